// SSH host-key fingerprints, the way OpenSSH prints them (`ssh-keygen -lf`):
// what the inventory pins, what every backend computes for its hosts and what
// the runner's SSH transport compares the presented key against.

export const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** SHA256 of the key blob, base64 without padding: `SHA256:<43 chars>`. */
export function fingerprintOfKeyBlob(blob: Buffer): string {
  // Bun's hasher, not node:crypto: that module alone costs every `lab` process about 10 ms to load.
  return `SHA256:${new Bun.CryptoHasher("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The fingerprint of a public key line (`ssh-ed25519 AAAA... comment`). */
export function fingerprintOfPublicKey(line: string): string {
  const blob = line.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not an OpenSSH public key: '${line.slice(0, 40)}'`);
  return fingerprintOfKeyBlob(Buffer.from(blob, "base64"));
}

#!/usr/bin/python3
"""Real clients for the TCP and DNS conformance suite; each prints one JSON
line with what it saw. Needs Debian's python3-scapy (hence /usr/bin/python3).
Usage:
  tcp_dns_probe.py echo-server IP PORT       a kernel TCP echo server (the reference)
  tcp_dns_probe.py tcp-client IP PORT NBYTES connect, send NBYTES, close the
                                             sending side, read until EOF
  tcp_dns_probe.py dns KIND IP [NAME]        a crafted query over UDP; KIND:
      dotted-label     one label "www.wirelab.test" (dots are data)
      nul-label        labels www / wirelab / "test\\0evil"
      ptr-question     "www" + a pointer to offset 4 (QDCOUNT's 0: the root)
      ptr-forward      a pointer forward, past the question (malformed)
      ptr-additional   NAME, and a TXT record in the additional section whose
                       owner is a compression pointer to the question (scapy)
      padded-600       NAME with EDNS(0) and padding to exactly 600 bytes
      edns-v1          NAME with an OPT of EDNS version 1"""
import json
import socket
import socketserver
import struct
import sys

USAGE = __doc__


def family(ip: str) -> int:
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def echo_server(ip: str, port: int) -> None:
    class Echo(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            while True:
                data = self.request.recv(65536)
                if not data:
                    return
                self.request.sendall(data)

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        address_family = family(ip)

    with Server((ip, port), Echo) as srv:
        print(json.dumps({"listening": port}), flush=True)
        srv.serve_forever()


def tcp_client(ip: str, port: int, n: int) -> dict:
    out = {"connected": False, "refused": False, "sent": 0, "received": 0, "error": None}
    s = socket.socket(family(ip), socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect((ip, port))
        out["connected"] = True
        payload = bytes((i * 7) & 0xFF for i in range(n))
        s.sendall(payload)
        out["sent"] = n
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
        out["received"] = len(got)
        out["echo_intact"] = got == payload
    except ConnectionRefusedError:
        out["refused"] = True
    except OSError as e:
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        s.close()
    return out


def labels(*parts: bytes) -> bytes:
    return b"".join(bytes([len(p)]) + p for p in parts) + b"\0"


def header(qid: int, ar: int = 0) -> bytes:
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, ar)


def opt(udp: int, version: int, rdata: bytes = b"") -> bytes:
    return b"\0" + struct.pack("!HHBBHH", 41, udp, 0, version, 0, len(rdata)) + rdata


def query(kind: str, name: str) -> bytes:
    from scapy.layers.dns import DNS, DNSQR, DNSRR, dns_compress

    qid = 0x5A5A
    a_in = struct.pack("!HH", 1, 1)
    wire = labels(*[p.encode() for p in name.split(".")])
    if kind == "dotted-label":
        return header(qid) + labels(name.encode()) + a_in
    if kind == "nul-label":
        parts = [p.encode() for p in name.split(".")]
        parts[-1] += b"\0evil"
        return header(qid) + labels(*parts) + a_in
    if kind == "ptr-question":
        return header(qid) + b"\3www\xc0\x04" + a_in
    if kind == "ptr-forward":
        return header(qid) + b"\3www\xc0\x1e" + a_in + b"\0" * 40
    if kind == "ptr-additional":
        q = DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype="A"), ar=DNSRR(rrname=name, type="TXT", rdata="x"))
        return bytes(dns_compress(q))
    if kind == "padded-600":
        base = header(qid, 1) + wire + a_in
        pad = 600 - len(base) - 11 - 4
        return base + opt(1232, 0, struct.pack("!HH", 12, pad) + b"\0" * pad)
    if kind == "edns-v1":
        return header(qid, 1) + wire + a_in + opt(1232, 1)
    raise SystemExit(f"tcp_dns_probe.py: unknown dns kind '{kind}'\n{USAGE}")


def dns(kind: str, ip: str, name: str) -> dict:
    from scapy.layers.dns import DNS

    q = query(kind, name)
    s = socket.socket(family(ip), socket.SOCK_DGRAM)
    s.settimeout(2)
    out = {"query_bytes": len(q), "answered": False}
    try:
        for _ in range(2):
            s.sendto(q, (ip, 53))
            try:
                r, _ = s.recvfrom(65536)
            except socket.timeout:
                continue
            out["answered"] = True
            out["response_hex"] = r.hex()
            rcode = r[3] & 0xF
            an, ar = struct.unpack("!HH", r[6:8] + r[10:12])
            out["ancount"], out["arcount"] = an, ar
            m = DNS(r)
            opt_rr = [x for x in (m.ar or []) if getattr(x, "type", None) == 41] if ar else []
            if opt_rr:
                ext = opt_rr[0].extrcode  # the high 8 bits of the extended RCODE
                rcode |= ext << 4
                out["opt_version"] = opt_rr[0].version
            out["rcode"] = rcode
            out["answers"] = [str(getattr(m.an[i], "rdata", "")) for i in range(an)] if an else []
            break
    finally:
        s.close()
    return out


def main() -> None:
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "echo-server":
        echo_server(a[1], int(a[2]))
    elif len(a) == 4 and a[0] == "tcp-client":
        print(json.dumps(tcp_client(a[1], int(a[2]), int(a[3]))))
    elif len(a) in (3, 4) and a[0] == "dns":
        print(json.dumps(dns(a[1], a[2], a[3] if len(a) == 4 else "www.wirelab.test")))
    else:
        raise SystemExit(USAGE)


if __name__ == "__main__":
    main()

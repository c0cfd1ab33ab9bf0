// A tiny XML writer for libvirt documents. Every attribute value and text node
// goes through escaping here, so no lab or config string reaches virsh raw.

export type XmlChild = XmlElement | string | undefined | false | null;

export interface XmlElement {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string | number | undefined>>;
  readonly children: readonly XmlChild[];
}

const TAG_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Builds an element; undefined attributes and falsy children are left out, so optional parts read naturally. */
export function el(tag: string, attrs: Record<string, string | number | undefined> = {}, ...children: XmlChild[]): XmlElement {
  if (!TAG_RE.test(tag)) throw new Error(`invalid XML tag '${tag}'`);
  for (const name of Object.keys(attrs)) if (!TAG_RE.test(name)) throw new Error(`invalid XML attribute '${name}'`);
  return { tag, attrs, children };
}

// XML 1.0 forbids most C0 controls even escaped; libvirt would reject the document with a less useful message.
const FORBIDDEN_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

export function escapeXml(value: string): string {
  if (FORBIDDEN_RE.test(value)) throw new Error(`value contains a control character XML cannot carry: ${JSON.stringify(value)}`);
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

export function renderXml(root: XmlElement): string {
  const lines: string[] = [];
  const walk = (node: XmlElement, depth: number): void => {
    const pad = "  ".repeat(depth);
    const attrs = Object.entries(node.attrs)
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
      .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
      .join("");
    const kids = node.children.filter((c): c is XmlElement | string => c !== undefined && c !== null && c !== false);
    if (kids.length === 0) {
      lines.push(`${pad}<${node.tag}${attrs}/>`);
    } else if (kids.every((c) => typeof c === "string")) {
      lines.push(`${pad}<${node.tag}${attrs}>${kids.map((c) => escapeXml(c as string)).join("")}</${node.tag}>`);
    } else {
      lines.push(`${pad}<${node.tag}${attrs}>`);
      for (const c of kids) {
        if (typeof c === "string") lines.push(`${pad}  ${escapeXml(c)}`);
        else walk(c, depth + 1);
      }
      lines.push(`${pad}</${node.tag}>`);
    }
  };
  walk(root, 0);
  return lines.join("\n") + "\n";
}

// A strict little XML reader for tests: elements, quoted attributes, the five
// predefined entities and numeric references; anything else throws. Enough to
// prove junit.xml is well-formed without an XML dependency.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function decode(s: string, at: number): string {
  return s.replace(/&([^;]*);?/g, (m, ent: string) => {
    const map: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (!m.endsWith(";")) throw new Error(`bare '&' near offset ${at}`);
    if (ent in map) return map[ent]!;
    if (/^#x[0-9a-f]+$/i.test(ent)) return String.fromCodePoint(parseInt(ent.slice(2), 16));
    if (/^#\d+$/.test(ent)) return String.fromCodePoint(Number(ent.slice(1)));
    throw new Error(`unknown entity &${ent}; near offset ${at}`);
  });
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  if (text.startsWith("<?xml")) i = text.indexOf("?>") + 2;
  const root: XmlElement = { name: "#document", attrs: {}, children: [], text: "" };
  const stack = [root];
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (chunk.includes(">")) throw new Error(`stray '>' near offset ${i}`);
    stack.at(-1)!.text += decode(chunk, i);
    if (lt < 0) break;
    const gt = text.indexOf(">", lt);
    if (gt < 0) throw new Error(`unclosed tag at offset ${lt}`);
    const tag = text.slice(lt + 1, gt);
    if (tag.startsWith("/")) {
      const open = stack.pop()!;
      if (open.name !== tag.slice(1).trim()) throw new Error(`</${tag.slice(1)}> closes <${open.name}> at offset ${lt}`);
    } else {
      const selfClosing = tag.endsWith("/");
      const m = /^([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"<]*")*)\s*\/?$/.exec(tag);
      if (!m) throw new Error(`malformed tag <${tag}> at offset ${lt}`);
      const attrs: Record<string, string> = {};
      for (const a of m[2]!.matchAll(/([A-Za-z_][\w.:-]*)="([^"]*)"/g)) {
        if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} at offset ${lt}`);
        attrs[a[1]!] = decode(a[2]!, lt);
      }
      const el: XmlElement = { name: m[1]!, attrs, children: [], text: "" };
      stack.at(-1)!.children.push(el);
      if (!selfClosing) stack.push(el);
    }
    i = gt + 1;
  }
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)!.name}> never closed`);
  if (root.children.length !== 1) throw new Error(`${root.children.length} root elements`);
  return root.children[0]!;
}

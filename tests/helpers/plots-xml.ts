// A strict parser for the XML the chart renderer writes (elements, attributes, text, comments, an XML
// declaration): it throws on anything that is not well-formed, so tests can parse every SVG they check.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAME = /^[A-Za-z_:][\w:.-]*/;
const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(raw: string, where: number): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === "<") throw new Error(`raw "<" at ${where + i}`);
    if (c !== "&") {
      out += c;
      continue;
    }
    const match = ENTITY.exec(raw.slice(i));
    if (!match) throw new Error(`bad entity reference at ${where + i}: ${raw.slice(i, i + 10)}`);
    const body = match[1]!;
    out += body.startsWith("#x")
      ? String.fromCodePoint(parseInt(body.slice(2), 16))
      : body.startsWith("#")
        ? String.fromCodePoint(Number(body.slice(1)))
        : NAMED[body]!;
    i += match[0].length - 1;
  }
  return out;
}

/** Parses a whole document; throws an Error saying where it is not well-formed. */
export function parseXml(text: string): XmlElement {
  let pos = 0;
  const skipMisc = (): void => {
    for (;;) {
      const ws = /^\s*/.exec(text.slice(pos))![0];
      pos += ws.length;
      if (text.startsWith("<!--", pos)) {
        const end = text.indexOf("-->", pos + 4);
        if (end < 0) throw new Error(`unterminated comment at ${pos}`);
        pos = end + 3;
      } else return;
    }
  };
  if (text.startsWith("<?xml")) {
    const end = text.indexOf("?>");
    if (end < 0) throw new Error("unterminated XML declaration");
    pos = end + 2;
  }
  skipMisc();

  const parseElement = (): XmlElement => {
    if (text[pos] !== "<") throw new Error(`expected "<" at ${pos}`);
    pos++;
    const name = NAME.exec(text.slice(pos))?.[0];
    if (!name) throw new Error(`bad element name at ${pos}`);
    pos += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      const ws = /^\s*/.exec(text.slice(pos))![0];
      pos += ws.length;
      if (text.startsWith("/>", pos)) {
        pos += 2;
        return { name, attrs, children: [] };
      }
      if (text[pos] === ">") {
        pos++;
        break;
      }
      if (ws.length === 0) throw new Error(`expected whitespace before an attribute at ${pos}`);
      const attr = NAME.exec(text.slice(pos))?.[0];
      if (!attr) throw new Error(`bad attribute name at ${pos}`);
      pos += attr.length;
      if (text[pos] !== "=") throw new Error(`expected "=" after ${attr} at ${pos}`);
      pos++;
      const quote = text[pos];
      if (quote !== '"' && quote !== "'") throw new Error(`unquoted attribute ${attr} at ${pos}`);
      const end = text.indexOf(quote, pos + 1);
      if (end < 0) throw new Error(`unterminated attribute ${attr}`);
      if (attr in attrs) throw new Error(`duplicate attribute ${attr} on <${name}>`);
      attrs[attr] = decode(text.slice(pos + 1, end), pos + 1);
      pos = end + 1;
    }
    const children: (XmlElement | string)[] = [];
    for (;;) {
      if (pos >= text.length) throw new Error(`<${name}> is not closed`);
      if (text.startsWith("</", pos)) {
        pos += 2;
        const closing = NAME.exec(text.slice(pos))?.[0];
        if (closing !== name) throw new Error(`</${closing}> closes <${name}> at ${pos}`);
        pos += closing.length;
        const ws = /^\s*/.exec(text.slice(pos))![0];
        pos += ws.length;
        if (text[pos] !== ">") throw new Error(`expected ">" at ${pos}`);
        pos++;
        return { name, attrs, children };
      }
      if (text.startsWith("<!--", pos)) {
        skipMisc();
        continue;
      }
      if (text[pos] === "<") {
        children.push(parseElement());
        continue;
      }
      const next = text.indexOf("<", pos);
      const end = next < 0 ? text.length : next;
      children.push(decode(text.slice(pos, end), pos));
      pos = end;
    }
  };

  const root = parseElement();
  skipMisc();
  if (pos !== text.length) throw new Error(`content after the root element at ${pos}`);
  return root;
}

/** Every element below (and including) `root`, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [root];
  for (const child of root.children) if (typeof child !== "string") out.push(...allElements(child));
  return out;
}

/** Elements whose name and (if given) class match. */
export function findAll(root: XmlElement, name: string, className?: string): XmlElement[] {
  return allElements(root).filter(
    (element) =>
      element.name === name && (className === undefined || (element.attrs.class ?? "").split(" ").includes(className)),
  );
}

/** The text content of an element (its text children, concatenated). */
export function textOf(element: XmlElement): string {
  return element.children.map((child) => (typeof child === "string" ? child : textOf(child))).join("");
}

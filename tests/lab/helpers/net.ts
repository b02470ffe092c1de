// IPv4 address and CIDR arithmetic for the network policy tests.

export interface Cidr {
  text: string;
  base: number;
  bits: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function parseCidr(text: string): Cidr {
  const [ip, bitsText] = text.split("/");
  const bits = Number(bitsText);
  if (ip === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`not a CIDR: ${text}`);
  return { text, base: ipToInt(ip), bits };
}

const size = (c: Cidr): number => 2 ** (32 - c.bits);

/** The base address is the network address (no host bits set). */
export const isCanonical = (c: Cidr): boolean => c.base % size(c) === 0;

export function cidrContains(c: Cidr, ip: string): boolean {
  const start = c.base - (c.base % size(c));
  const value = ipToInt(ip);
  return value >= start && value < start + size(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const [aStart, bStart] = [a.base - (a.base % size(a)), b.base - (b.base % size(b))];
  return aStart < bStart + size(b) && bStart < aStart + size(a);
}

/** `inner` lies entirely inside `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  const start = inner.base - (inner.base % size(inner));
  return cidrContains(outer, intToIp(start)) && cidrContains(outer, intToIp(start + size(inner) - 1));
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

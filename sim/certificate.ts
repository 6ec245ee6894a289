/**
 * A self-signed TLS certificate for `localhost`, `127.0.0.1` and `::1`, made at start, so the
 * simulator can speak HTTP/2 (browsers speak it only over TLS) without openssl or a dependency.
 * The X.509 structure is written by hand in DER; Node's crypto makes the key and the signature.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1 (the certificate's fields)
 * @see https://www.itu.int/rec/T-REC-X.690 (DER)
 */
import { X509Certificate, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/** A key and its certificate, both PEM. */
export interface SimCertificate {
  key: string;
  cert: string;
  /** SHA-256 fingerprint, as browsers and `openssl x509 -fingerprint` show it. */
  fingerprint: string;
}

/** The names the certificate is valid for. */
export const CERTIFICATE_NAMES = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] } as const;

const DAY_MS = 86_400_000;

/** Makes a fresh P-256 key and a certificate for it, valid from yesterday for `days` days. */
export function createCertificate(now = Date.now(), days = 7): SimCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = sequence(set(sequence(oid(OID.commonName), utf8('Bitbucket simulator (self-signed)'))));
  const subjectAltName = sequence(
    ...CERTIFICATE_NAMES.dns.map((dns) => tagged(0x82, Buffer.from(dns, 'ascii'))),
    ...CERTIFICATE_NAMES.ip.map((ip) => tagged(0x87, ipBytes(ip))),
  );
  const tbs = sequence(
    tagged(0xa0, integer(Buffer.from([2]))), // version 3
    integer(serialNumber()),
    sequence(oid(OID.ecdsaWithSha256)),
    name, // issuer: itself
    sequence(utcTime(now - DAY_MS), utcTime(now + days * DAY_MS)),
    name, // subject
    publicKey.export({ format: 'der', type: 'spki' }),
    tagged(0xa3, sequence(sequence(oid(OID.subjectAltName), tagged(0x04, subjectAltName)))),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, sequence(oid(OID.ecdsaWithSha256)), bitString(signature));
  const cert = pem('CERTIFICATE', der);
  return {
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    cert,
    fingerprint: new X509Certificate(cert).fingerprint256,
  };
}

const OID = {
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

function tagged(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const sequence = (...items: Buffer[]) => tagged(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tagged(0x31, Buffer.concat(items));
const utf8 = (text: string) => tagged(0x0c, Buffer.from(text, 'utf8'));
// A leading zero byte keeps an integer whose high bit is set from reading as negative.
const integer = (bytes: Buffer) => tagged(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
// The first byte of a BIT STRING counts the unused bits of the last: none here.
const bitString = (bytes: Buffer) => tagged(0x03, Buffer.concat([Buffer.from([0]), bytes]));

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const base128 = [arc % 128];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) base128.unshift(0x80 | (value % 128));
    bytes.push(...base128);
  }
  return tagged(0x06, Buffer.from(bytes));
}

// UTCTime, YYMMDDHHMMSSZ: RFC 5280 wants it for dates before 2050.
function utcTime(ms: number): Buffer {
  const iso = new Date(ms).toISOString(); // 2026-11-01T12:34:56.789Z
  const text = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  return tagged(0x17, Buffer.from(text, 'ascii'));
}

// Positive, at most 20 bytes, never zero (RFC 5280 §4.1.2.2).
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes;
}

function ipBytes(ip: string): Buffer {
  if (ip.includes(':')) {
    // Only the forms used above: full groups, or `::` standing for the zeros.
    const [head = '', tail = ''] = ip.split('::');
    const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
    const left = groups(head);
    const right = groups(tail);
    const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
    return Buffer.from(all.flatMap((group) => [group >> 8, group & 0xff]));
  }
  return Buffer.from(ip.split('.').map(Number));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

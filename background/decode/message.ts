/**
 * A `personal_sign` message as the approval prompt shows it: UTF-8 text when it is printable, and
 * the fields of a Sign-In with Ethereum message, parsed strictly by the ABNF of EIP-4361, with
 * the domain binding checked against the origin the browser reported.
 *
 * EIP-4361 "Wallet Implementer Steps": "Wallet implementers MUST prevent phishing attacks by
 * matching on the domain term" and "SHOULD warn users if the substring 'wants you to sign in with
 * your Ethereum account' appears anywhere in an EIP-191 message signing request unless the message
 * fully conforms to the format defined in this specification."
 * @see https://eips.ethereum.org/EIPS/eip-4361
 * @module
 */
import { getAddress, type Hex, hexToBytes, isAddress, isAddressEqual, isHex } from 'viem';
import { hasHiddenCharacters } from './text';
import type { MessageInsight, Warning } from './types';
import {
  siweAddressMismatch,
  siweChainMismatch,
  siweDomainMismatch,
  siweMalformed,
  siweUriMismatch,
} from './warnings';

const HEADER_SUFFIX = ' wants you to sign in with your Ethereum account:';
const SIWE_MARKER = 'wants you to sign in with your Ethereum account';
/** Default ports of the schemes an origin can have (WHATWG URL "special schemes"). */
const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  'http:': '80',
  'https:': '443',
  'ws:': '80',
  'wss:': '443',
};

// RFC 3986 §2–3, as regular-expression fragments.
const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT})`;
const SCHEME = '[A-Za-z][A-Za-z0-9+\\-.]*';
const USERINFO = `(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT})*`;
const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `${DEC_OCTET}\\.${DEC_OCTET}\\.${DEC_OCTET}\\.${DEC_OCTET}`;
/**
 * Divergence from RFC 3986 §3.2.2: an IP-literal is checked as brackets around hex digits, colons
 * and dots (plus IPvFuture), not against the full IPv6address grammar; it is shown, not resolved.
 */
const IP_LITERAL = `\\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\\.[${UNRESERVED}${SUB_DELIMS}:]+)\\]`;
const REG_NAME = `(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT})*`;
const HOST = `(?:${IP_LITERAL}|${IPV4}|${REG_NAME})`;
const AUTHORITY = `(?:(${USERINFO})@)?(${HOST})(?::([0-9]*))?`;
const SEGMENT = `${PCHAR}*`;
const SEGMENT_NZ = `${PCHAR}+`;
const PATH_ABEMPTY = `(?:/${SEGMENT})*`;
const HIER_PART = `(?://${AUTHORITY}${PATH_ABEMPTY}|/(?:${SEGMENT_NZ}(?:/${SEGMENT})*)?|${SEGMENT_NZ}(?:/${SEGMENT})*|)`;
const QUERY = `(?:${PCHAR}|[/?])*`;
const URI_RE = new RegExp(`^${SCHEME}:${HIER_PART}(?:\\?${QUERY})?(?:#${QUERY})?$`);
const AUTHORITY_RE = new RegExp(`^${AUTHORITY}$`);
const HEADER_RE = new RegExp(`^(?:(${SCHEME})://)?(.*)${HEADER_SUFFIX}$`);
/** `statement = *( reserved / unreserved / " " )`. */
const STATEMENT_RE = new RegExp(`^[${UNRESERVED}${SUB_DELIMS}:/?#\\[\\]@ ]*$`);
const REQUEST_ID_RE = new RegExp(`^${PCHAR}*$`);
const NONCE_RE = /^[A-Za-z0-9]{8,}$/;
const CHAIN_ID_RE = /^[0-9]+$/;
/** RFC 3339 §5.6 `date-time`; "T" and "Z" are case-insensitive ABNF strings. */
const DATE_TIME_RE =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$/;

/** A well-formed SIWE message, field by field. */
export type SiweMessage = {
  readonly scheme?: string;
  readonly domain: string;
  readonly address: `0x${string}`;
  readonly statement?: string;
  readonly uri: string;
  readonly version: '1';
  readonly chainId: string;
  readonly nonce: string;
  readonly issuedAt: string;
  readonly expirationTime?: string;
  readonly notBefore?: string;
  readonly requestId?: string;
  readonly resources?: readonly string[];
};

/** The message is not a conforming EIP-4361 message; `message` says where and why. */
export class SiweParseError extends Error {
  override readonly name = 'SiweParseError';
}

export type DescribeMessageOptions = {
  /** The account that would sign; a SIWE address that differs is warned about. */
  readonly account?: `0x${string}`;
  /** The chain the origin is on; a SIWE chain id that differs is warned about. */
  readonly chainId?: number;
};

export type DescribeMessageReturnType = MessageInsight;
/** It never throws: a malformed SIWE message is text with a `siwe-malformed` warning. */
export type DescribeMessageErrorType = never;
export type ParseSiweMessageErrorType = SiweParseError;

/**
 * Describes a `personal_sign` message for the approval prompt. Never throws for any hex input.
 * @param hex The message bytes as hex (`personal_sign`'s first parameter).
 * @param origin The requesting origin, as the browser reported it.
 * @example
 * describeMessage(toHex('example.com wants you to sign in …'), 'https://example.com')
 * // → { text: '…', siwe: { domain: 'example.com', … }, warnings: [] }
 */
export function describeMessage(
  hex: `0x${string}`,
  origin: string,
  options: DescribeMessageOptions = {},
): DescribeMessageReturnType {
  const text =
    isHex(hex, { strict: true }) && hex.length % 2 === 0 ? printableText(hex) : undefined;
  if (text === undefined || !text.includes(SIWE_MARKER))
    return text === undefined ? { warnings: [] } : { text, warnings: [] };

  let siwe: SiweMessage;
  try {
    siwe = parseSiweMessage(text);
  } catch (error) {
    const reason = error instanceof SiweParseError ? error.message : 'unreadable';
    const warnings: Warning[] = [siweMalformed(reason)];
    // The domain binding is checked on the header even when the rest does not conform.
    const header = HEADER_RE.exec(text.split('\n', 1)[0] ?? '');
    if (header?.[2] !== undefined && !domainMatches(header[1], header[2], origin))
      warnings.push(siweDomainMismatch(displayDomain(header[1], header[2]), origin));
    return { text, warnings };
  }
  return { text, siwe: siweRecord(siwe), warnings: siweWarnings(siwe, origin, options) };
}

/** The text when the bytes are UTF-8 and printable (no control characters except tab and line breaks, no bidi overrides). */
function printableText(hex: Hex): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(hexToBytes(hex));
  } catch {
    return undefined;
  }
  return hasHiddenCharacters(text) ? undefined : text;
}

function siweWarnings(
  siwe: SiweMessage,
  origin: string,
  options: DescribeMessageOptions,
): Warning[] {
  const warnings: Warning[] = [];
  if (!domainMatches(siwe.scheme, siwe.domain, origin))
    warnings.push(siweDomainMismatch(displayDomain(siwe.scheme, siwe.domain), origin));
  if (!uriMatches(siwe.uri, origin)) warnings.push(siweUriMismatch(siwe.uri, origin));
  if (options.account !== undefined && !isAddressEqual(options.account, siwe.address))
    warnings.push(siweAddressMismatch(siwe.address, getAddress(options.account)));
  if (options.chainId !== undefined && siwe.chainId !== String(options.chainId))
    warnings.push(siweChainMismatch(siwe.chainId, options.chainId));
  return warnings;
}

function displayDomain(scheme: string | undefined, domain: string): string {
  return scheme === undefined ? domain : `${scheme}://${domain}`;
}

/**
 * The SIWE URI against the request's origin, for URIs with an origin (http, https, ws, wss; other
 * schemes such as `did:` or `ipfs:` name no site and pass): same host, same port (each scheme's
 * default port counting as the same), same scheme or its secure form (http → https, ws → wss),
 * since an upgrade moves the user to no other site. The test dApp, served over http, names
 * `https://<its host>` as its URI.
 */
function uriMatches(uri: string, origin: string): boolean {
  let target: URL;
  let source: URL;
  try {
    target = new URL(uri);
    source = new URL(origin);
  } catch {
    return false;
  }
  const targetDefault = DEFAULT_PORTS[target.protocol];
  const sourceDefault = DEFAULT_PORTS[source.protocol];
  if (targetDefault === undefined) return true;
  if (sourceDefault === undefined) return false;
  const upgrade =
    (source.protocol === 'http:' && target.protocol === 'https:') ||
    (source.protocol === 'ws:' && target.protocol === 'wss:');
  return (
    (target.protocol === source.protocol || upgrade) &&
    target.hostname.toLowerCase() === source.hostname.toLowerCase() &&
    // WHATWG URL leaves `port` empty for the scheme's default, so "" matches "" across an upgrade.
    target.port === source.port
  );
}

/**
 * The SIWE domain (an RFC 3986 authority, and the optional scheme) against the request's origin:
 * the hosts must be equal (case-insensitive), and so must the ports, a missing port standing for
 * the scheme's default. A given scheme must equal the origin's. Userinfo never matches, since an
 * origin has none.
 */
function domainMatches(scheme: string | undefined, domain: string, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined) return false;
  if (scheme !== undefined && `${scheme.toLowerCase()}:` !== url.protocol) return false;
  const authority = AUTHORITY_RE.exec(domain);
  if (!authority) return false;
  const [, userinfo, host = '', port] = authority;
  if (userinfo !== undefined) return false;
  const originPort = url.port === '' ? defaultPort : url.port;
  const domainPort = port === undefined || port === '' ? defaultPort : String(Number(port));
  return host.toLowerCase() === url.hostname.toLowerCase() && domainPort === originPort;
}

/**
 * Parses an EIP-4361 message, line by line against the ABNF.
 * @throws SiweParseError naming the line or field that does not conform.
 */
export function parseSiweMessage(text: string): SiweMessage {
  const lines = text.split('\n');
  let at = 0;
  const next = (what: string): string => {
    const line = lines[at++];
    if (line === undefined) throw new SiweParseError(`the message ends before ${what}`);
    return line;
  };
  const tagged = (tag: string, what: string): string => {
    const line = next(what);
    if (!line.startsWith(tag)) throw new SiweParseError(`line ${at} is not "${tag}…"`);
    return line.slice(tag.length);
  };

  // [ scheme "://" ] domain %s" wants you to sign in with your Ethereum account:" LF
  const header = HEADER_RE.exec(next('the header'));
  if (!header)
    throw new SiweParseError(
      'the first line is not "<domain> wants you to sign in with your Ethereum account:"',
    );
  const [, scheme, domain = ''] = header;
  if (domain === '' || !AUTHORITY_RE.test(domain))
    throw new SiweParseError('the domain is not an RFC 3986 authority');

  // address LF — "0x" 40HEXDIG, with the EIP-55 checksum.
  const address = next('the address');
  if (!/^0x[0-9a-fA-F]{40}$/.test(address))
    throw new SiweParseError('the address is not 0x and 40 hex digits');
  // "Must also conform to capitalization checksum encoding specified in EIP-55 where applicable":
  // a mixed-case address must carry a valid checksum; a single-case one carries none (as
  // `eth_accounts` often returns it) and is accepted, as the signer's `parseAddress` does.
  if (!isAddress(address, { strict: true }))
    throw new SiweParseError('the address does not carry a valid EIP-55 checksum');

  // LF [ statement LF ] LF
  if (next('the blank line after the address') !== '')
    throw new SiweParseError('the address is not followed by a blank line');
  let statement: string | undefined;
  const afterBlank = next('the statement or the URI');
  if (afterBlank !== '') {
    if (!STATEMENT_RE.test(afterBlank))
      throw new SiweParseError(
        'the statement has characters outside RFC 3986 reserved, unreserved and space',
      );
    statement = afterBlank;
    if (next('the blank line after the statement') !== '')
      throw new SiweParseError('the statement is not followed by a blank line');
  }

  const uri = tagged('URI: ', 'the URI');
  if (!URI_RE.test(uri)) throw new SiweParseError('the URI is not an RFC 3986 URI');
  const version = tagged('Version: ', 'the version');
  if (version !== '1') throw new SiweParseError('the version is not 1');
  const chainId = tagged('Chain ID: ', 'the chain id');
  if (!CHAIN_ID_RE.test(chainId)) throw new SiweParseError('the chain id is not decimal digits');
  const nonce = tagged('Nonce: ', 'the nonce');
  if (!NONCE_RE.test(nonce))
    throw new SiweParseError('the nonce is not at least 8 letters and digits');
  const issuedAt = tagged('Issued At: ', 'the issued-at time');
  assertDateTime(issuedAt, 'issued-at');

  const optional = (tag: string): string | undefined => {
    if (lines[at]?.startsWith(tag)) return lines[at++]?.slice(tag.length);
    return undefined;
  };
  const expirationTime = optional('Expiration Time: ');
  if (expirationTime !== undefined) assertDateTime(expirationTime, 'expiration time');
  const notBefore = optional('Not Before: ');
  if (notBefore !== undefined) assertDateTime(notBefore, 'not-before time');
  const requestId = optional('Request ID: ');
  if (requestId !== undefined && !REQUEST_ID_RE.test(requestId))
    throw new SiweParseError('the request id has characters outside RFC 3986 pchar');
  let resources: string[] | undefined;
  if (lines[at] === 'Resources:') {
    at++;
    resources = [];
    while (at < lines.length) {
      const line = lines[at++] ?? '';
      if (!line.startsWith('- ') || !URI_RE.test(line.slice(2)))
        throw new SiweParseError(`resource line ${at} is not "- " and an RFC 3986 URI`);
      resources.push(line.slice(2));
    }
  }
  if (at < lines.length)
    throw new SiweParseError(`line ${at + 1} is not a field EIP-4361 allows there`);

  return {
    ...(scheme === undefined ? {} : { scheme }),
    domain,
    address: address as `0x${string}`,
    ...(statement === undefined ? {} : { statement }),
    uri,
    version: '1',
    chainId,
    nonce,
    issuedAt,
    ...(expirationTime === undefined ? {} : { expirationTime }),
    ...(notBefore === undefined ? {} : { notBefore }),
    ...(requestId === undefined ? {} : { requestId }),
    ...(resources === undefined ? {} : { resources }),
  };
}

function assertDateTime(value: string, what: string): void {
  const match = DATE_TIME_RE.exec(value);
  const fail = () => new SiweParseError(`the ${what} is not an RFC 3339 date-time`);
  if (!match) throw fail();
  const [, year, month, day, hour, minute, second, , , offsetHour, offsetMinute] =
    match.map(Number);
  // RFC 3339 §5.7: month, day by month and leap year, hour, minute, second (60 for a leap second).
  const leap =
    (year as number) % 4 === 0 && ((year as number) % 100 !== 0 || (year as number) % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(month as number) - 1];
  if (
    days === undefined ||
    (day as number) < 1 ||
    (day as number) > days ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    (second as number) > 60 ||
    (match[8] !== undefined && ((offsetHour as number) > 23 || (offsetMinute as number) > 59))
  )
    throw fail();
}

function siweRecord(siwe: SiweMessage): Readonly<Record<string, string>> {
  const { resources, ...fields } = siwe;
  return Object.freeze({
    ...fields,
    ...(resources === undefined ? {} : { resources: resources.join('\n') }),
  });
}

/**
 * Every warning the decoders raise, one constructor each, so that the kind, the severity and the
 * plain-language reason are written once (see `WarningKind` in `types.ts`).
 * @module
 */
import type { Warning, WarningKind } from './types';

function warning(kind: WarningKind, severity: Warning['severity'], message: string): Warning {
  return Object.freeze({ kind, severity, message });
}

/** ERC-20 `approve` / `increaseAllowance` of max uint256 or ≥ 2^255. */
export function unlimitedApproval(spender: string, token: string): Warning {
  return warning(
    'unlimited-approval',
    'danger',
    `This gives ${spender} permission to spend all of your ${token} tokens, now and in the future, without asking you again. Approve only a spender you trust, or set a limit.`,
  );
}

/** `setApprovalForAll(operator, true)` on an ERC-721 or ERC-1155 contract. */
export function approvalForAll(operator: string, collection: string): Warning {
  return warning(
    'approval-for-all',
    'danger',
    `This lets ${operator} move every NFT of this collection (${collection}) you own, now and in the future, without asking you again. Scammers use this to empty wallets.`,
  );
}

/** A token transfer whose recipient is the token contract itself. */
export function transferToTokenContract(token: string): Warning {
  return warning(
    'transfer-to-token-contract',
    'danger',
    `The recipient is the token contract itself (${token}). Tokens sent to their own contract are almost always lost for good.`,
  );
}

/** The data starts with a known selector, but its arguments do not decode. */
export function undecodableCalldata(signature: string): Warning {
  return warning(
    'undecodable-calldata',
    'caution',
    `The data starts like a call to ${signature}, but its arguments do not decode. Check the raw data before you approve.`,
  );
}

/** An EIP-2612 (or DAI-style) `Permit` signature. */
export function permit(text: {
  origin: string;
  spender: string;
  amount: string;
  token: string;
  deadline: string;
}): Warning {
  return warning(
    'permit',
    'danger',
    `${text.origin} asks for a token permit: with this signature ${text.spender} can spend ${text.amount} of ${text.token} from your account until ${text.deadline}, without a transaction from you. Sign only if you trust ${text.spender}.`,
  );
}

/** A Uniswap Permit2 signature. */
export function permit2(text: {
  origin: string;
  spender: string;
  grants: readonly string[];
  deadline: string;
}): Warning {
  return warning(
    'permit2',
    'danger',
    `${text.origin} asks for a Permit2 signature: it lets ${text.spender} spend ${text.grants.join('; ')} from your account (signature valid until ${text.deadline}), without a transaction from you. Sign only if you trust ${text.spender}.`,
  );
}

/** The typed data names a chain other than the one the wallet is on. */
export function typedDataChainMismatch(domainChainId: number, chainId: number): Warning {
  return warning(
    'typed-data-chain-mismatch',
    'danger',
    `The data is for chain ${domainChainId}, but the wallet is on chain ${chainId}.`,
  );
}

/** Text in typed data holds control or direction-changing characters. */
export function hiddenCharacters(): Warning {
  return warning(
    'hidden-characters',
    'caution',
    'Some text in this request contains invisible or direction-changing characters, so it may read differently from what you would sign.',
  );
}

/** Typed-data fields that its types do not declare, dropped from what is shown and signed. */
export function undeclaredFields(paths: readonly string[]): Warning {
  const shown = paths.slice(0, 8);
  const list =
    paths.length > shown.length
      ? `${shown.join(', ')} and ${paths.length - shown.length} more`
      : shown.join(', ');
  const domain = paths.some((path) => path.startsWith('domain.'))
    ? ' The signature is not bound to the domain fields among them (such as the chain or the contract).'
    : '';
  return warning(
    'undeclared-fields',
    'caution',
    `This request carries fields that are not signed: ${list}. They are left out of what is shown here and of your signature (MetaMask does not sign them either), so the site cannot hold you to them.${domain}`,
  );
}

/** The SIWE domain (host, port or scheme) is not the requesting origin's. */
export function siweDomainMismatch(domain: string, origin: string): Warning {
  return warning(
    'siwe-domain-mismatch',
    'danger',
    `This sign-in is for ${domain}, but the request comes from ${origin}. A site that asks you to sign in to another site may be trying to steal your login.`,
  );
}

/** The SIWE URI's origin is not the requesting origin. */
export function siweUriMismatch(uri: string, origin: string): Warning {
  return warning(
    'siwe-uri-mismatch',
    'danger',
    `This sign-in names the address ${uri}, which is not on ${origin}, the site asking. It may be trying to sign you in somewhere else.`,
  );
}

/** The SIWE address is not the account that would sign. */
export function siweAddressMismatch(address: string, account: string): Warning {
  return warning(
    'siwe-address-mismatch',
    'danger',
    `This sign-in is for the account ${address}, but you would sign with ${account}.`,
  );
}

/** The SIWE chain id is not the wallet's chain. */
export function siweChainMismatch(siweChainId: string, chainId: number): Warning {
  return warning(
    'siwe-chain-mismatch',
    'caution',
    `This sign-in is for chain ${siweChainId}, but the wallet is on chain ${chainId}.`,
  );
}

/** The text says it is a SIWE message, but it does not conform to EIP-4361. */
export function siweMalformed(reason: string): Warning {
  return warning(
    'siwe-malformed',
    'danger',
    `This looks like a Sign-In with Ethereum message, but it is not well formed (${reason}). The site cannot check it as a sign-in, and it may be trying to trick you.`,
  );
}

/** An approval's spender has no code: whoever holds its key can take what is approved. */
export function spenderIsEoa(spender: string): Warning {
  return warning(
    'spender-is-eoa',
    'danger',
    `The spender ${spender} is a plain account, not a contract: a person, not a contract, could take the approved tokens whenever they like. Sites ask you to approve their contracts, so this is a common sign of a scam.`,
  );
}

/** A contract the request involves was deployed less than a day ago. */
export function newContract(contract: string): Warning {
  return warning(
    'new-contract',
    'caution',
    `The contract ${contract} was deployed less than a day ago. Scams often use fresh contracts; be sure you know what it is.`,
  );
}

/** The requesting site is on the local phishing list. */
export function phishingSite(origin: string, listedDomain: string): Warning {
  return warning(
    'phishing-site',
    'danger',
    `${origin} is on the phishing list (${listedDomain}). Sites like it copy real ones to steal funds: reject unless you are sure.`,
  );
}

/** Simulating the transaction on the chain shows it would fail (`reason`: cleaned revert text). */
export function simulationReverted(reason: string): Warning {
  return warning(
    'simulation-reverted',
    'danger',
    `Simulating this transaction shows it would fail (${reason}). If you send it anyway, it will most likely fail on the chain and you still pay the network fee.`,
  );
}

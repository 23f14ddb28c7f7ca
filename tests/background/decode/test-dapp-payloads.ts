/**
 * The typed data and SIWE messages that MetaMask's test dApp sends, copied verbatim from
 * `@metamask/test-dapp@9.9.0` `dist/main.js` (its sources `src/components/signatures/*.js` and
 * `getPermitMsgParams` in `src/signTypedData*.js`), with the page's run-time values filled in: the
 * chain is anvil's 31337 (`src.chainIdInt`) and the account anvil's first (`src.accounts[0]`).
 * @module
 */

export const CHAIN_ID = 31337;
export const FROM = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
export const DAPP_ORIGIN = 'http://127.0.0.1:9011';
/** `window.location.host` on the test dApp served at DAPP_ORIGIN. */
export const DAPP_HOST = '127.0.0.1:9011';

const EIP712Domain = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
];

/** `signTypedData` (v1), sent as `eth_signTypedData`. */
export const signTypedDataV1 = [
  { type: 'string', name: 'Message', value: 'Hi, Alice!' },
  { type: 'uint32', name: 'A number', value: '1337' },
];

/** `signTypedDataV3`. */
export const signTypedDataV3 = {
  types: {
    EIP712Domain,
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  domain: {
    name: 'Ether Mail',
    version: '1',
    chainId: CHAIN_ID,
    verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC',
  },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
};

const mailV4Message = {
  contents: 'Hello, Bob!',
  from: {
    name: 'Cow',
    wallets: [
      '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826',
      '0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF',
    ],
  },
  to: [
    {
      name: 'Bob',
      wallets: [
        '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB',
        '0xB0BdaBea57B0BDABeA57b0bdABEA57b0BDabEa57',
        '0xB0B0b0b0b0b0B000000000000000000000000000',
      ],
    },
  ],
  attachment: '0x',
};

const mailV4Types = {
  EIP712Domain,
  Group: [
    { name: 'name', type: 'string' },
    { name: 'members', type: 'Person[]' },
  ],
  Mail: [
    { name: 'from', type: 'Person' },
    { name: 'to', type: 'Person[]' },
    { name: 'contents', type: 'string' },
    { name: 'attachment', type: 'bytes' },
  ],
  Person: [
    { name: 'name', type: 'string' },
    { name: 'wallets', type: 'address[]' },
  ],
};

/** `signTypedDataV4` (the chain id is sent as a decimal string). */
export const signTypedDataV4 = {
  domain: {
    chainId: CHAIN_ID.toString(),
    name: 'Ether Mail',
    verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC',
    version: '1',
  },
  message: mailV4Message,
  primaryType: 'Mail',
  types: mailV4Types,
};

/** `signPermit`: EIP-2612. */
export const signPermit = {
  primaryType: 'Permit',
  types: {
    EIP712Domain,
    Permit: [
      { name: 'owner', type: 'address' },
      { name: 'spender', type: 'address' },
      { name: 'value', type: 'uint256' },
      { name: 'nonce', type: 'uint256' },
      { name: 'deadline', type: 'uint256' },
    ],
  },
  domain: {
    chainId: CHAIN_ID,
    name: 'MyToken',
    verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC',
    version: '1',
  },
  message: {
    owner: FROM,
    spender: '0x5B38Da6a701c568545dCfcB03FcB875f56beddC4',
    value: 3000,
    nonce: 0,
    deadline: 50000000000,
  },
};

const PermitDetails = [
  { name: 'token', type: 'address' },
  { name: 'amount', type: 'uint160' },
  { name: 'expiration', type: 'uint48' },
  { name: 'nonce', type: 'uint48' },
];

/** `signPermitSingle`: Permit2 AllowanceTransfer. */
export const signPermitSingle = {
  primaryType: 'PermitSingle',
  types: {
    PermitSingle: [
      { name: 'details', type: 'PermitDetails' },
      { name: 'spender', type: 'address' },
      { name: 'sigDeadline', type: 'uint256' },
    ],
    PermitDetails,
    EIP712Domain,
  },
  domain: {
    chainId: CHAIN_ID,
    name: 'Permit2',
    verifyingContract: '0x000000000022d473030f116ddee9f6b43ac78ba3',
    version: '1',
  },
  message: {
    details: {
      token: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
      amount: '1461501637330902918203684832716283019655932542975',
      expiration: '1722887542',
      nonce: '5',
    },
    spender: '0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad',
    sigDeadline: '1720297342',
  },
};

/**
 * `signPermitBatch`: Permit2 AllowanceTransfer. As sent, its `EIP712Domain` type omits `version`
 * although the domain carries `version: '1'`: eth-sig-util (MetaMask) does not hash it, so the
 * parser drops it and the prompt warns that it is not signed.
 */
export const signPermitBatch = {
  primaryType: 'PermitBatch',
  types: {
    PermitBatch: [
      { name: 'details', type: 'PermitDetails[]' },
      { name: 'spender', type: 'address' },
      { name: 'sigDeadline', type: 'uint256' },
    ],
    PermitDetails,
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
  },
  domain: {
    chainId: CHAIN_ID,
    name: 'Permit2',
    verifyingContract: '0x000000000022d473030f116ddee9f6b43ac78ba3',
    version: '1',
  },
  message: {
    details: [
      {
        token: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
        amount: '1461501637330902918203684832716283019655932542975',
        expiration: '1722887542',
        nonce: '5',
      },
      {
        token: '0xb0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
        amount: '98765432109876543210',
        expiration: '1722887642',
        nonce: '6',
      },
    ],
    spender: '0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad',
    sigDeadline: '1720297342',
  },
};

/** `signBlurOrder` ("Sign Typed Data Variants"), for the account `from`. */
export function blurOrder(from: string, chainId: number = CHAIN_ID) {
  return {
    primaryType: 'Order',
    types: {
      EIP712Domain,
      MakerFee: [
        { name: 'recipient', type: 'address' },
        { name: 'rate', type: 'uint256' },
      ],
      Order: [
        { name: 'assetType', type: 'uint8' },
        { name: 'collection', type: 'address' },
        { name: 'expirationTime', type: 'uint256' },
        { name: 'listingsRoot', type: 'bytes32' },
        { name: 'makerFee', type: 'MakerFee' },
        { name: 'nonce', type: 'uint256' },
        { name: 'numberOfListings', type: 'uint256' },
        { name: 'orderType', type: 'uint8' },
        { name: 'salt', type: 'uint256' },
        { name: 'trader', type: 'address' },
      ],
    },
    domain: {
      name: 'Blur Exchange',
      version: '1.0',
      chainId,
      verifyingContract: '0xb2ecfe4e4d61f8790bbb9de2d1259b9e2410cea5',
    },
    message: {
      assetType: '0',
      collection: '0x8a90cab2b38dba80c64b7734e58ee1db38b8992e',
      expirationTime: '1739484503',
      listingsRoot: '0xf5126e36e0cf3f8ccdf8e3d76c1501c706c15a029fb8139bca7b536776e9eafe',
      makerFee: { recipient: '0x0000000000000000000000000000000000000000', rate: '0' },
      nonce: '0',
      numberOfListings: '1',
      orderType: '1',
      salt: '106171581059276559763059578085820161781',
      trader: from,
    },
  };
}

export const signBlurOrder = blurOrder(FROM);

/** One listing of the Seaport bulk order: token `id` for 0.9 ETH to `from`, with 2.5% + 7.5% fees. */
function seaportListing(from: string, id: string, salt: string) {
  const eth = '0x0000000000000000000000000000000000000000';
  const fee = (amount: string, recipient: string) => ({
    itemType: '0',
    token: eth,
    identifierOrCriteria: '0',
    startAmount: amount,
    endAmount: amount,
    recipient,
  });
  return {
    offerer: from,
    offer: [
      {
        itemType: '2',
        token: '0xafd4896984CA60d2feF66136e57f958dCe9482d5',
        identifierOrCriteria: id,
        startAmount: '1',
        endAmount: '1',
      },
    ],
    consideration: [
      fee('900000000000000000', from),
      fee('25000000000000000', '0x0000a26b00c1F0DF003000390027140000fAa719'),
      fee('75000000000000000', '0x839221C3F9dce0ef5318356c447F8192eD04d38C'),
    ],
    startTime: '1705733618',
    endTime: '1708411897',
    orderType: '0',
    zone: '0x004C00500000aD104D7DBd00e3ae0A5C00560C00',
    zoneHash: `0x${'00'.repeat(32)}`,
    salt,
    conduitKey: '0x0000007b02230091a7ed01230072f7006a004d60a8d4e71d599b8104250f0000',
    // Not in `OrderComponents`: OpenSea sends it, eth-sig-util does not hash it.
    totalOriginalConsiderationItems: '3',
    counter: '0',
  };
}

/**
 * `signSeaportBulkOrder` ("Sign Typed Data Variants"), for the account `from`: a height-2 tree
 * of `OrderComponents`, each with the undeclared `totalOriginalConsiderationItems`.
 */
export function seaportBulkOrder(from: string, chainId: number = CHAIN_ID) {
  const zero = '0x0000000000000000000000000000000000000000';
  return {
    primaryType: 'BulkOrder',
    types: {
      BulkOrder: [{ name: 'tree', type: 'OrderComponents[][]' }],
      OrderComponents: [
        { name: 'offerer', type: 'address' },
        { name: 'zone', type: 'address' },
        { name: 'offer', type: 'OfferItem[]' },
        { name: 'consideration', type: 'ConsiderationItem[]' },
        { name: 'orderType', type: 'uint8' },
        { name: 'startTime', type: 'uint256' },
        { name: 'endTime', type: 'uint256' },
        { name: 'zoneHash', type: 'bytes32' },
        { name: 'salt', type: 'uint256' },
        { name: 'conduitKey', type: 'bytes32' },
        { name: 'counter', type: 'uint256' },
      ],
      OfferItem: [
        { name: 'itemType', type: 'uint8' },
        { name: 'token', type: 'address' },
        { name: 'identifierOrCriteria', type: 'uint256' },
        { name: 'startAmount', type: 'uint256' },
        { name: 'endAmount', type: 'uint256' },
      ],
      ConsiderationItem: [
        { name: 'itemType', type: 'uint8' },
        { name: 'token', type: 'address' },
        { name: 'identifierOrCriteria', type: 'uint256' },
        { name: 'startAmount', type: 'uint256' },
        { name: 'endAmount', type: 'uint256' },
        { name: 'recipient', type: 'address' },
      ],
    },
    domain: {
      name: 'Seaport',
      version: '1.5',
      chainId,
      verifyingContract: '0x00000000000000ADc04C56Bf30aC9d3c0aAF14dC',
    },
    message: {
      tree: [
        [
          seaportListing(
            from,
            '2104',
            '24446860302761739304752683030156737591518664810215442929806792077947493999137',
          ),
          seaportListing(
            from,
            '2103',
            '24446860302761739304752683030156737591518664810215442929800482629144425056459',
          ),
        ],
        [
          seaportListing(
            from,
            '2102',
            '24446860302761739304752683030156737591518664810215442929800836178870704788113',
          ),
          {
            offerer: zero,
            zone: zero,
            offer: [],
            consideration: [],
            orderType: '0',
            startTime: '0',
            endTime: '0',
            zoneHash: `0x${'00'.repeat(32)}`,
            salt: '0',
            conduitKey: `0x${'00'.repeat(32)}`,
            counter: '0',
            totalOriginalConsiderationItems: '0',
          },
        ],
      ],
    },
  };
}

export const signSeaportBulkOrder = seaportBulkOrder(FROM);

/**
 * `sign721Permit` (the ERC 721 card), for the NFT contract `verifyingContract`: its `types` have
 * no `EIP712Domain`, so eth-sig-util (and the dApp's own verification) hashes the empty domain.
 */
export function nft721Permit(verifyingContract: string, chainId: number = CHAIN_ID) {
  return {
    domain: { name: 'My NFT', version: '1', chainId, verifyingContract },
    types: {
      Permit: [
        { name: 'spender', type: 'address' },
        { name: 'tokenId', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'Permit',
    message: {
      spender: '0x0521797E19b8E274E4ED3bFe5254FAf6fac96F08',
      tokenId: '3606393',
      nonce: '0',
      deadline: '1734995006',
    },
  };
}

/** The "Malformed Signatures" card. */
export const malformed = {
  signInvalidType: {
    primaryType: 'OrderComponents',
    domain: {
      chainId: CHAIN_ID,
      name: 'Seaport',
      version: '1.5',
      verifyingContract: '0x00000000000000ADc04C56Bf30aC9d3c0aAF14dC',
    },
    types: {
      EIP712Domain,
      OrderComponents: [{ name: 'consideration', type: 'ConsiderationItem[+' }],
    },
    message: {
      consideration: [
        {
          itemType: '0',
          token: '0x0000000000000000000000000000000000000000',
          identifierOrCriteria: '0',
          startAmount: '1950000000000000',
          endAmount: '1950000000000000',
          recipient: '0x0000000000000000000000000000000000000000',
        },
      ],
    },
  },
  signEmptyDomain: {
    domain: {},
    message: mailV4Message,
    primaryType: 'Mail',
    types: mailV4Types,
  },
  signExtraDataNotTyped: {
    domain: {
      chainId: CHAIN_ID,
      name: 'Seaport',
      version: '1.5',
      verifyingContract: '0x00000000000000ADc04C56Bf30aC9d3c0aAF14dC',
    },
    message: { name: 'Hello, Bob!', extraData: 'This data is not typed!' },
    primaryType: 'Wallet',
    types: { EIP712Domain, Wallet: [{ name: 'name', type: 'string' }] },
  },
  signInvalidPrimaryType: {
    domain: {
      chainId: CHAIN_ID,
      name: 'Seaport',
      version: '1.5',
      verifyingContract: '0x00000000000000ADc04C56Bf30aC9d3c0aAF14dC',
    },
    message: { name: 'Hello, Bob!' },
    primaryType: 'Non-Existent',
    types: { EIP712Domain, Wallet: [{ name: 'name', type: 'string' }] },
  },
  signNoPrimaryTypeDefined: {
    domain: {
      chainId: CHAIN_ID,
      name: 'Seaport',
      version: '1.5',
      verifyingContract: '0x00000000000000ADc04C56Bf30aC9d3c0aAF14dC',
    },
    message: mailV4Message,
    types: mailV4Types,
  },
} as const;

/** The SIWE buttons (`src/components/signatures/siwe.js`), for an account `from`. */
export function siweMessages(domain: string, from: string) {
  return {
    siwe: `${domain} wants you to sign in with your Ethereum account:\n${from}\n\nI accept the MetaMask Terms of Service: https://community.metamask.io/tos\n\nURI: https://${domain}\nVersion: 1\nChain ID: 1\nNonce: 32891757\nIssued At: 2021-09-30T16:25:24.000Z`,
    siweResources: `${domain} wants you to sign in with your Ethereum account:\n${from}\n\nI accept the MetaMask Terms of Service: https://community.metamask.io/tos\n\nURI: https://${domain}\nVersion: 1\nChain ID: 1\nNonce: 32891757\nIssued At: 2021-09-30T16:25:24.000Z\nNot Before: 2022-03-17T12:45:13.610Z\nRequest ID: some_id\nResources:\n- ipfs://Qme7ss3ARVgxv6rXqVPiikMJ8u2NLgmgszg13pYrDKEoiu\n- https://example.com/my-web2-claim.json`,
    siweBadDomain: `metamask.badactor.io wants you to sign in with your Ethereum account:\n${from}\n\nI accept the MetaMask Terms of Service: https://community.metamask.io/tos\n\nURI: https://metamask.badactor.io\nVersion: 1\nChain ID: 1\nNonce: 32891757\nIssued At: 2021-09-30T16:25:24.000Z\nResources:\n- ipfs://Qme7ss3ARVgxv6rXqVPiikMJ8u2NLgmgszg13pYrDKEoiu\n- https://example.com/my-web2-claim.json`,
    siweBadAccount: `${domain} wants you to sign in with your Ethereum account:\n0x0000000000000000000000000000000000000000\n\nI accept the MetaMask Terms of Service: https://community.metamask.io/tos\n\nURI: https://${domain}\nVersion: 1\nChain ID: 1\nNonce: 32891757\nIssued At: 2021-09-30T16:25:24.000Z\nResources:\n- ipfs://Qme7ss3ARVgxv6rXqVPiikMJ8u2NLgmgszg13pYrDKEoiu\n- https://example.com/my-web2-claim.json`,
    siweMalformed: `${domain} wants you to sign in with your Ethereum account:\n${from}\n\nI accept the MetaMask Terms of Service: https://community.metamask.io/tos\n\nVersion: 1\nNonce: 32891757\nIssued At: 2021-09-30T16:25:24Z`,
  };
}

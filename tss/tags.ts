/**
 * Every domain-separation tag of every random oracle, versioned, in one place. A test checks they
 * are unique (after 0xCarbon's `oracle_tags.rs`).
 * @module
 */

const PREFIX = 'ckm/dkls23/v1/';

export const TAGS = {
  // DKG (DKLT23 Protocol 9.1 / Lindell 2022/374 commit-then-reveal Feldman)
  dkgSid: `${PREFIX}dkg/sid`,
  dkgCommit: `${PREFIX}dkg/commit`,
  dkgSeedCommit: `${PREFIX}dkg/seed-commit`,
  dkgPok: `${PREFIX}dkg/pok`,
  dkgEcho: `${PREFIX}dkg/echo`,
  dkgChainCode: `${PREFIX}dkg/chain-code`,
  dkgTranscript: `${PREFIX}dkg/transcript`,
  dkgConfirm: `${PREFIX}dkg/confirm`,
  // Base OT (MR19 Fig. 8)
  otBaseSid: `${PREFIX}ot/base/sid`,
  otBaseHashToCurve: `${PREFIX}ot/base/h2c`,
  otBaseKey: `${PREFIX}ot/base/key`,
  // OT extension (corrected KOS = SoftSpokenOT k=1)
  otExtPrg: `${PREFIX}ot/ext/prg`,
  otExtChi: `${PREFIX}ot/ext/chi`,
  otExtOutput: `${PREFIX}ot/ext/output`,
  // RVOLE (DKLs23 Protocol 5.2)
  voleGadget: `${PREFIX}vole/gadget`,
  voleTheta: `${PREFIX}vole/theta`,
  voleMu: `${PREFIX}vole/mu`,
  // Signing (DKLs23 Protocol 3.6)
  signSid: `${PREFIX}sign/sid`,
  signCommit: `${PREFIX}sign/commit`,
  signMulSid: `${PREFIX}sign/mul-sid`,
  zeroShare: `${PREFIX}zero/share`,
  // Refresh and re-share
  refreshSid: `${PREFIX}refresh/sid`,
} as const;

export type Tag = (typeof TAGS)[keyof typeof TAGS];

export const ALL_TAGS: readonly Tag[] = Object.freeze(Object.values(TAGS));

// The fault test: four validators from chain-specs/local.json on loopback, then
//   1. kill one: blocks keep being finalised;
//   2. restart it: it catches up to the others' finalised head, and all four agree on the
//      block hash and state root at a common height;
//   3. kill two: finality stops while blocks continue; restart one: finality resumes, and
//      the blocks made during the stall are the ones finalised (nothing lost);
//   4. charlie, one of the four, equivocates: a twin node runs with his keys (nodes log his
//      Aura double blocks when both author in one slot), and his GRANDPA key signs two
//      prevotes in one round; Bob
//      reports them with the node's key-ownership proof, the offence is recorded once (the
//      same report again, and an unsigned one from outside, are refused), charlie is
//      disabled at once (authors nothing more) and leaves the authority set at the next
//      session; finality continues;
//   5. a fifth node replaces him: `author_rotateKeysWithOwner` on it, `session.setKeys(keys,
//      proof)` from its account (//Eve), `sudo(validatorSet.addValidator(eve))` from Alice;
//      it enters the authority set at a session boundary and authors a block that is
//      finalised.
// Prints the figures (finality gap, catch-up and resumption times) as it goes and a JSON
// summary at the end. Exit 0 on success, 1 on any failed check or timeout.
//
//   node tests/faults.js            (scripts/e2e/fault-test.sh; MINDNET_NODE picks the binary)
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { Localnet, VALIDATORS } from './localnet.js';
import { send } from './e2e/node.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const figures = {};

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Samples `seconds` of alice's heads: the largest best − finalised gap and the longest
 *  time without a new finalised block. */
async function sampleFinality(net, who, seconds) {
  let maxGap = 0;
  let lastFinal = await net.finalized(who);
  let lastChange = Date.now();
  let longestPause = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(1000);
    const [best, fin] = [await net.best(who), await net.finalized(who)];
    if (best === null || fin === null) continue;
    maxGap = Math.max(maxGap, best - fin);
    if (fin > lastFinal) {
      longestPause = Math.max(longestPause, (Date.now() - lastChange) / 1000);
      lastFinal = fin;
      lastChange = Date.now();
    }
  }
  longestPause = Math.max(longestPause, (Date.now() - lastChange) / 1000);
  return { maxGapBlocks: maxGap, longestPauseS: Math.round(longestPause), finalized: lastFinal };
}

/** Block `number`'s hash and Aura author (the authority at its slot, in the set of its
 *  parent), and the number of authorities. */
async function auraAuthor(api, number) {
  const header = await api.rpc.chain.getHeader(await api.rpc.chain.getBlockHash(number));
  const at = await api.at(header.parentHash);
  const authorities = (await at.query.aura.authorities()).map((a) => a.toHex());
  const pre = header.digest.logs.find((l) => l.isPreRuntime && l.asPreRuntime[0].isAura);
  const slot = api.createType('u64', pre.asPreRuntime[1].toU8a(true)).toBigInt();
  return {
    number, hash: header.hash.toHex(), authorities: authorities.length,
    author: authorities[Number(slot % BigInt(authorities.length))],
  };
}

/** The first block after `from` in which validator `who` (hex) was removed for an offence:
 *  its number and hash, the call that did it and its arguments, and the offences recorded
 *  in that block (kind, time slot); null if none yet. */
async function findRemoval(api, from, who) {
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  for (let n = from + 1; n <= head; n++) {
    const hash = await api.rpc.chain.getBlockHash(n);
    const records = await api.query.system.events.at(hash);
    const removed = records.find(({ event }) =>
      api.events.validatorSet.OffenderRemoved.is(event) && event.data.who.toHex() === who);
    if (!removed) continue;
    const block = await api.rpc.chain.getBlock(hash);
    const index = removed.phase.asApplyExtrinsic.toNumber();
    const { method } = block.block.extrinsics[index];
    const offences = records.filter(({ phase, event }) => api.events.offences.Offence.is(event)
      && phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() === index)
      .map(({ event }) => [event.data[0].toHex(), event.data[1].toHex()]);
    return { block: n, hash: hash.toHex(), call: `${method.section}.${method.method}`, args: method.args, offences };
  }
  return null;
}

/** Two prevotes for different blocks in one round of the current set, signed with the
 *  ed25519 pair `key`, and the node's proof that `key` belongs to a validator. */
async function doubleVote(api, key) {
  const setId = (await api.query.grandpa.currentSetId()).toNumber();
  const best = await api.rpc.chain.getHeader();
  // A round of this set (the runtime keys the offence by set and round; it does not know
  // which round the voters are in): GRANDPA runs about a round per block.
  const round = best.number.toNumber();
  const targets = [
    { targetHash: best.hash.toHex(), targetNumber: best.number.toNumber() },
    { targetHash: best.parentHash.toHex(), targetNumber: best.number.toNumber() - 1 },
  ];
  // GRANDPA signs SCALE((Message::Prevote(prevote), round, set_id)).
  const signed = (prevote) => {
    const payload = u8aConcat(
      new Uint8Array([0]), // Message::Prevote
      api.createType('FinalityGrandpaPrevote', prevote).toU8a(),
      api.createType('u64', round).toU8a(),
      api.createType('u64', setId).toU8a(),
    );
    return [prevote, key.sign(payload)];
  };
  const proof = api.createType('SpConsensusGrandpaEquivocationProof', {
    setId,
    equivocation: {
      Prevote: { roundNumber: round, identity: key.publicKey, first: signed(targets[0]), second: signed(targets[1]) },
    },
  });
  const opaque = await api.call.grandpaApi.generateKeyOwnershipProof(setId, key.publicKey);
  check(opaque.isSome, 'the node gave no key-ownership proof for the GRANDPA key');
  // The API answers Option<OpaqueKeyOwnershipProof>, bytes that hold the SCALE-encoded
  // Option<MembershipProof bytes>: unwrap both.
  const ownership = api.createType('SpSessionMembershipProof',
    api.createType('Option<Bytes>', opaque.unwrap().toU8a(true)).unwrap().toU8a(true));
  const active = (await api.query.session.validators()).length;
  check(ownership.validatorCount.toNumber() === active,
    `the key-ownership proof counts ${ownership.validatorCount} validators, the session ${active}`);
  return { proof, ownership };
}

async function connect(port) {
  const provider = new WsProvider(`ws://127.0.0.1:${port}`);
  return ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
}

async function main() {
  const net = new Localnet();
  let api;
  try {
    for (const name of VALIDATORS) await net.add(name);
    await net.add('eve', { dev: false });
    for (const name of VALIDATORS) { net.start(name); net.nodes.get(name).expectRunning = true; }
    const up = (names) => names.filter((n) => net.running(n));

    log('four validators started; waiting for each to finalise block 3');
    await net.until('waiting for finality on all four', async () => {
      const f = await Promise.all(VALIDATORS.map((n) => net.finalized(n)));
      return f.every((h) => h !== null && h >= 3);
    }, { timeoutMs: 300_000 });
    figures.allUp = await sampleFinality(net, 'alice', 24);
    log(`all up: best − finalised ≤ ${figures.allUp.maxGapBlocks} blocks, longest finality pause ${figures.allUp.longestPauseS} s`);

    // 1. One validator dies.
    await net.kill('dave');
    net.nodes.get('dave').expectRunning = false;
    const before = await net.finalized('alice');
    log(`killed dave at alice's finalised #${before}`);
    figures.oneDown = await sampleFinality(net, 'alice', 36);
    check(figures.oneDown.finalized >= before + 3,
      `with dave down alice finalised only up to #${figures.oneDown.finalized} (from #${before})`);
    log(`dave down: finalised #${before} → #${figures.oneDown.finalized}, best − finalised ≤ ${figures.oneDown.maxGapBlocks} blocks, longest finality pause ${figures.oneDown.longestPauseS} s`);

    // 2. It comes back and catches up.
    net.start('dave');
    net.nodes.get('dave').expectRunning = true;
    const restarted = Date.now();
    const target = await net.finalized('alice');
    await net.until('waiting for dave to catch up', async () => {
      const f = await net.finalized('dave');
      return f !== null && f >= target;
    }, { timeoutMs: 180_000 });
    figures.catchUpS = Math.round((Date.now() - restarted) / 1000);
    log(`dave restarted and reached the others' finalised #${target} in ${figures.catchUpS} s`);
    await net.until('waiting for dave to finalise with the others', async () => {
      const f = await Promise.all(VALIDATORS.map((n) => net.finalized(n)));
      return f.every((h) => h !== null && h >= target + 2);
    }, { timeoutMs: 120_000 });
    const common = Math.min(...(await Promise.all(VALIDATORS.map((n) => net.finalized(n)))));
    const blocks = await Promise.all(VALIDATORS.map((n) => net.blockAt(n, common)));
    for (const [i, b] of blocks.entries()) {
      check(b.hash === blocks[0].hash && b.stateRoot === blocks[0].stateRoot,
        `${VALIDATORS[i]} has ${b.hash} (state ${b.stateRoot}) at #${common}, alice ${blocks[0].hash} (state ${blocks[0].stateRoot})`);
    }
    figures.agreedAt = common;
    log(`all four agree at #${common}: hash ${blocks[0].hash.slice(0, 18)}…, state root ${blocks[0].stateRoot.slice(0, 18)}…`);

    // 3. Two die: 2 of 4 cannot finalise (GRANDPA needs more than two thirds).
    await net.kill('charlie');
    await net.kill('dave');
    for (const n of ['charlie', 'dave']) net.nodes.get(n).expectRunning = false;
    await sleep(8000); // a round already voted by the dead may still complete
    const stalledAt = await net.finalized('alice');
    const bestAtStall = await net.best('alice');
    log(`killed charlie and dave; finality stopped at #${stalledAt}, best #${bestAtStall}`);
    await net.until('waiting for blocks to continue without finality', async () => {
      const b = await net.best('alice');
      return b !== null && b >= bestAtStall + 3;
    }, { timeoutMs: 120_000 });
    const stalledBest = await net.best('alice');
    const stalledFinal = await net.finalized('alice');
    check(stalledFinal === stalledAt,
      `finality moved from #${stalledAt} to #${stalledFinal} with two of four validators down`);
    const unfinalised = [];
    for (let h = stalledAt + 1; h <= stalledBest; h++) unfinalised.push(await net.blockAt('alice', h));
    figures.stall = { finalizedAt: stalledAt, bestDuringStall: stalledBest };
    log(`blocks continued to #${stalledBest}, still finalised #${stalledFinal}`);

    net.start('charlie');
    net.nodes.get('charlie').expectRunning = true;
    const resumedFrom = Date.now();
    await net.until('waiting for finality to resume', async () => {
      const f = await net.finalized('alice');
      return f !== null && f >= stalledBest;
    }, { timeoutMs: 240_000 });
    figures.resumeS = Math.round((Date.now() - resumedFrom) / 1000);
    for (const [i, b] of unfinalised.entries()) {
      const h = stalledAt + 1 + i;
      const now = await net.blockAt('alice', h);
      check(now.hash === b.hash, `block #${h} was ${b.hash} during the stall, finalised ${now.hash}`);
    }
    log(`charlie restarted: finality resumed past #${stalledBest} in ${figures.resumeS} s; the ${unfinalised.length} blocks made during the stall were finalised unchanged`);
    net.start('dave');
    net.nodes.get('dave').expectRunning = true;

    // 4. Charlie equivocates. A second node runs with his keys (`--charlie`), as an operator
    //    who starts a backup while the main node still runs: both author in his slots (nodes
    //    log the Aura double blocks they see; FRAME has no report for those) and both vote
    //    with his GRANDPA key. GRANDPA votes two blocks below the best, so on one machine the
    //    twins' votes differ only now and then; when they do, the honest voters report him.
    //    If none has yet, the test signs the double vote itself with his GRANDPA key (two
    //    prevotes for different blocks in one round) and Bob reports it with the node's key-
    //    ownership proof. Either way the offence is recorded once, charlie is disabled at once
    //    and leaves at the next session. Eve starts, to replace him (step 5).
    net.start('eve');
    net.nodes.get('eve').expectRunning = true;
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    const bob = keyring.addFromUri('//Bob');
    const eve = keyring.addFromUri('//Eve');
    const charlie = keyring.addFromUri('//Charlie');
    const charlieId = u8aToHex(charlie.publicKey);
    const charlieGrandpa = new Keyring({ type: 'ed25519' }).addFromUri('//Charlie');
    api = await connect(net.nodes.get('alice').rpc);
    const charlieKeys = (await api.query.session.nextKeys(charlie.address)).unwrap();
    check(charlieKeys.grandpa.toHex() === u8aToHex(charlieGrandpa.publicKey),
      `charlie's GRANDPA key on chain is ${charlieKeys.grandpa.toHex()}, not //Charlie's ed25519 key`);
    const charlieAura = charlieKeys.aura.toHex();
    await net.add('charlie-twin', { dev: 'charlie' });
    net.start('charlie-twin');
    net.nodes.get('charlie-twin').expectRunning = true;
    const twinFrom = (await api.rpc.chain.getHeader()).number.toNumber();
    const twinStarted = Date.now();
    log(`charlie's twin started at #${twinFrom}: two nodes now sign with charlie's keys`);
    // Let both author for a few of his slots (four validators: one slot in four).
    await net.until('waiting for the twin to sync and author', async () => {
      const [a, t] = [await net.best('alice'), await net.best('charlie-twin')];
      return a !== null && t !== null && t >= a - 1 && a >= twinFrom + 8;
    }, { timeoutMs: 180_000 });
    const auraLogged = [...net.nodes.values()].filter((n) => /Slot author is equivocating/.test(n.log)).map((n) => n.name);
    figures.equivocation = { auraDoubleBlockLoggedBy: auraLogged };
    log(`nodes that logged an Aura double block by charlie: ${auraLogged.join(', ') || 'none (both nodes must author in the same slot)'}`);

    // The twins' GRANDPA votes differ only when a block reaches them at different moments;
    // when they do, the honest voters report it themselves (unsigned, from their own pools).
    let removal = await findRemoval(api, twinFrom, charlieId);
    if (!removal) {
      const crafted = await doubleVote(api, charlieGrandpa);
      const { events } = await send(api, api.tx.grandpa.reportEquivocation(crafted.proof, crafted.ownership), bob);
      const recorded = events.filter(({ event }) => api.events.offences.Offence.is(event)).length;
      check(recorded === 1, `bob's report recorded ${recorded} offences`);
      removal = await findRemoval(api, twinFrom, charlieId);
    }
    check(removal, 'an offence was recorded but charlie was not removed');
    const reportBlock = removal.block;
    const [proof, ownership] = removal.args;
    const by = removal.call === 'grandpa.reportEquivocationUnsigned'
      ? 'an honest validator\'s GRANDPA voter (unsigned, from its own pool)'
      : 'bob (signed), with a double prevote the test signed with charlie\'s key';
    figures.equivocation = {
      ...figures.equivocation, reportBlock, reportedBy: removal.call, setId: proof.setId.toNumber(),
      reportedAfterS: Math.round((Date.now() - twinStarted) / 1000),
    };
    log(`${by} reported charlie's equivocation (set ${proof.setId}) in #${reportBlock}: one offence recorded, charlie disabled and removed from the set`);
    const atReport = await api.at(removal.hash);
    const activeAtReport = (await atReport.query.session.validators()).map((v) => v.toHex());
    const disabled = (await atReport.query.session.disabledValidators()).map(([i]) => i.toNumber());
    check(disabled.includes(activeAtReport.indexOf(charlieId)),
      `charlie (index ${activeAtReport.indexOf(charlieId)}) is not among the disabled ${JSON.stringify(disabled)}`);
    check(!(await atReport.query.validatorSet.validators()).map((v) => v.toHex()).includes(charlieId),
      'charlie is still in validatorSet.validators after the offence');
    check(removal.offences.length === 1, `the removing report recorded ${removal.offences.length} offences`);
    const reports = await api.query.offences.concurrentReportsIndex(...removal.offences[0]);
    check(reports.length === 1, `the offence has ${reports.length} reports`);

    // The same report again is refused, and a stranger cannot put an unsigned report in a
    // node's pool: only the node's own voter can.
    let duplicate = null;
    try {
      await send(api, api.tx.grandpa.reportEquivocation(proof, ownership), alice);
    } catch (e) {
      duplicate = e.message;
    }
    check(duplicate === 'grandpa.DuplicateOffenceReport', `a duplicate report gave ${duplicate}`);
    let external = null;
    try {
      await api.tx.grandpa.reportEquivocationUnsigned(proof, ownership).send();
    } catch (e) {
      external = e.message;
    }
    check(external !== null, 'an unsigned report from outside the node was accepted into the pool');
    log(`the same report from alice failed with ${duplicate}; an unsigned copy from outside was refused (${external.slice(0, 50)})`);

    // 5. Eve replaces him: session keys from her node, `session.setKeys`, and root adds
    //    her; the same rotation plans the set without charlie and with eve.
    await net.until('waiting for eve and dave to sync', async () => {
      const [a, e, d] = [await net.best('alice'), await net.best('eve'), await net.best('dave')];
      return a !== null && e !== null && d !== null && e >= a - 1 && d >= a - 1;
    }, { timeoutMs: 180_000 });
    const generated = await net.rpc('eve', 'author_rotateKeysWithOwner', [u8aToHex(eve.publicKey)]);
    check(generated && generated.keys && generated.proof, `author_rotateKeysWithOwner gave ${JSON.stringify(generated)}`);
    await send(api, api.tx.session.setKeys(generated.keys, generated.proof), eve);
    await send(api, api.tx.sudo.sudo(api.tx.validatorSet.addValidator(eve.address)), alice);
    const addedAt = (await api.rpc.chain.getHeader()).number.toNumber();
    const session = (await api.query.session.currentIndex()).toNumber();
    log(`eve set session keys and root added her at #${addedAt} (session ${session})`);
    // He authors nothing while disabled, leaves the authority set, and finality goes on.
    const gone = await net.until('waiting for charlie to leave the authority set', async () => {
      const head = (await api.rpc.chain.getHeader()).number.toNumber();
      const active = (await api.query.session.validators()).map((v) => v.toHex());
      return active.includes(charlieId) ? false : { block: head, validators: active.length };
    }, { timeoutMs: 300_000, everyMs: 3000 });
    for (let n = reportBlock + 1; n <= gone.block; n++) {
      const block = await auraAuthor(api, n);
      check(block.author !== charlieAura, `charlie, disabled since #${reportBlock}, authored #${n}`);
    }
    const finalisedAtRemoval = await net.finalized('alice');
    await net.until('waiting for finality after charlie left', async () => {
      const f = await net.finalized('alice');
      return f !== null && f >= gone.block + 3;
    }, { timeoutMs: 120_000 });
    figures.equivocation = {
      ...figures.equivocation, removedFromSetAt: gone.block,
      validatorsAfter: gone.validators, finalisedAtRemoval,
      removalAfterS: Math.round((Date.now() - twinStarted) / 1000),
    };
    log(`charlie authored nothing after the report and left the authority set at #${gone.block} (${gone.validators} validators); finality continued past #${gone.block + 3}`);
    // The keys are SCALE (aura: 32 bytes, grandpa: 32 bytes): Aura's key comes first.
    const eveAura = generated.keys.slice(0, 66);
    let authored = null;
    let checked = addedAt;
    await net.until('waiting for eve to author a block', async () => {
      const head = (await api.rpc.chain.getHeader()).number.toNumber();
      for (; checked < head && !authored; checked++) {
        const block = await auraAuthor(api, checked + 1);
        if (block.author === eveAura) {
          authored = { number: block.number, hash: block.hash, authorities: block.authorities };
        }
      }
      return authored;
    }, { timeoutMs: 360_000, everyMs: 3000 });
    figures.join = { addedAt, authoredAt: authored.number, validators: authored.authorities };
    log(`eve authored block #${authored.number} (${authored.authorities} validators), ${authored.number - addedAt} blocks after she was added`);
    await net.until('waiting for eve\'s block to be finalised', async () => {
      const f = await net.finalized('alice');
      if (f === null || f < authored.number) return false;
      return (await net.blockAt('alice', authored.number)).hash === authored.hash;
    }, { timeoutMs: 120_000 });
    log(`eve's block #${authored.number} is finalised`);

    console.log(`faults: passed in ${Math.round((Date.now() - t0) / 1000)} s ${JSON.stringify(figures)}`);
  } catch (e) {
    console.error(`faults: ${e.stack || e.message}`);
    process.exitCode = 1;
  } finally {
    if (api) await api.disconnect().catch(() => {});
    await net.stopAll();
  }
}

await main();

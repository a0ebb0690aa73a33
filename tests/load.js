// The flood test: on a local network (tests/localnet.js), 1,000 registered hotkeys submit
// `set_weights` as fast as the pool takes them for a few epochs of a network with a short
// tempo. Reports, per block, the transactions included, the block's weight against its
// limit and the block time; then the pool's rejections by reason, the fees the senders
// paid, the epochs completed, and whether any transaction was lost (neither included nor
// answered with an error).
//
//   node tests/load.js [--hotkeys 1000] [--epochs 3] [--tempo 20] [--validators 4]
//   (--validators 1 runs on the dev chain, Alice alone; 3 or 4 on chain-specs/local.json)
//   (scripts/e2e/load.sh; MINDNET_NODE picks the node binary)
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { Localnet, VALIDATORS } from './localnet.js';

const options = { hotkeys: 1000, epochs: 3, tempo: 20, validators: 4 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  const value = Number(argv[i + 1]);
  if (!(key in options) || !Number.isInteger(value) || value < 1) {
    console.error(`error: ${argv[i]} ${argv[i + 1] ?? ''}: expected --hotkeys N, --epochs N, --tempo N or --validators N (whole numbers ≥ 1)`);
    process.exit(2);
  }
  options[key] = value;
}
if (options.validators > VALIDATORS.length) {
  console.error(`error: --validators must be at most ${VALIDATORS.length}`);
  process.exit(2);
}

const NETUID = 1;
const MIND = 1_000_000_000n;
const t0 = Date.now();
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sends `tx` signed by `signer` with `nonce`; resolves 'in-block', or rejects with the
 *  reason the pool or the block gave. Immortal, so that signing needs no RPC. */
function submit(api, tx, signer, nonce) {
  return new Promise((resolve, reject) => {
    let unsub = null;
    let finished = false;
    let timer = null;
    const done = (f, v) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (unsub) unsub();
      f(v);
    };
    timer = setTimeout(() => done(reject, new Error('no answer within 120 s')), 120_000);
    tx.signAndSend(signer, { nonce, era: 0 }, ({ status, dispatchError }) => {
      if (dispatchError) {
        const m = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        done(reject, new Error(m ? `in block: ${m.section}.${m.name}` : `in block: ${dispatchError}`));
      } else if (status.isInBlock) done(resolve, 'in-block');
      else if (status.isInvalid) done(reject, new Error('pool: invalid'));
      else if (status.isDropped) done(reject, new Error('pool: dropped'));
      else if (status.isUsurped) done(reject, new Error('pool: usurped'));
    }).then((u) => { if (finished) u(); else unsub = u; }).catch((e) => done(reject, new Error(`pool: ${e.message.replace(/^\d+: /, '')}`)));
  });
}

async function main() {
  await cryptoWaitReady();
  // One validator: the dev chain (Alice alone); more: the local spec's first N, which
  // finalises only with 3 or 4 of its 4 validators up.
  const net = new Localnet(options.validators === 1 ? { spec: 'dev' } : {});
  const connections = [];
  let api;
  try {
    const names = VALIDATORS.slice(0, options.validators);
    for (const n of names) await net.add(n);
    for (const n of names) { net.start(n); net.nodes.get(n).expectRunning = true; }
    await net.until('waiting for the network to finalise', async () => (await net.finalized('alice')) >= 1,
      { timeoutMs: 240_000 });
    // Four connections or one per validator, spread over the validators (a node allows 1,024
    // subscriptions per connection, and each watched transaction is one).
    const apis = await Promise.all(Array.from({ length: Math.max(4, names.length) }, (_, i) => ApiPromise.create({
      provider: new WsProvider(`ws://127.0.0.1:${net.nodes.get(names[i % names.length]).rpc}`), noInitWarn: true,
    })));
    connections.push(...apis);
    api = apis[0];
    const apiFor = (i) => apis[i % apis.length];
    const keyring = new Keyring({ type: 'sr25519' });
    const colds = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((u) => keyring.addFromUri(u));
    const alice = colds[0];
    const hots = Array.from({ length: options.hotkeys }, (_, i) => keyring.addFromUri(`//load//${i}`));
    log(`${names.length} validators up; ${hots.length} hotkeys derived`);

    // Network 1: short tempo, room for every hotkey, no rate limit on weights.
    const nonces = new Map();
    const next = async (who) => {
      if (!nonces.has(who.address)) nonces.set(who.address, (await api.rpc.system.accountNextIndex(who.address)).toNumber());
      const n = nonces.get(who.address);
      nonces.set(who.address, n + 1);
      return n;
    };
    const setup = [
      api.tx.mindnet.createNetwork(NETUID),
      ...[{ Tempo: options.tempo }, { MaxAllowedUids: options.hotkeys + 24 }, { WeightsSetRateLimit: 0 },
        { MinAllowedWeights: 1 }, { RegistrationFee: MIND / 1000n }]
        .map((p) => api.tx.mindnet.setParameter(NETUID, p)),
    ];
    for (const call of setup) await submit(api, api.tx.sudo.sudo(call), alice, await next(alice));
    log(`network ${NETUID} created: tempo ${options.tempo}, room for ${options.hotkeys + 24} neurons`);

    // Each coldkey registers its share of the hotkeys and sends each 100 MIND for fees.
    const now = (await api.query.system.number()).toNumber();
    const deadline = now + 400;
    const payloads = new Map();
    for (const c of colds) payloads.set(c.address, (await api.call.mindnetApi.registrationPayload(NETUID, c.address, deadline)).toU8a());
    // In rounds: each coldkey registers and funds up to 40 hotkeys per round, with nonces
    // read from the chain at the start of the round; whatever failed goes to a later round.
    let queue = hots.map((hot, i) => ({ hot, c: i % colds.length }));
    for (let round = 1; queue.length; round++) {
      if (round > 30) throw new Error(`${queue.length} hotkeys still unregistered after 30 rounds`);
      const sends = [];
      const retry = [];
      for (const [c, cold] of colds.entries()) {
        const via = apiFor(c);
        let nonce = (await via.rpc.system.accountNextIndex(cold.address)).toNumber();
        for (const item of queue.filter((q) => q.c === c).slice(0, 40)) {
          const signature = { Sr25519: item.hot.sign(u8aWrapBytes(payloads.get(cold.address))) };
          const both = Promise.all([
            submit(via, via.tx.mindnet.register(NETUID, item.hot.address, deadline, signature), cold, nonce),
            submit(via, via.tx.balances.transferKeepAlive(item.hot.address, 100n * MIND), cold, nonce + 1),
          ]).catch((e) => { retry.push(item); return e.message; });
          nonce += 2;
          sends.push(both);
          item.sent = true;
        }
      }
      const reasons = (await Promise.all(sends)).filter((r) => typeof r === 'string');
      const done = new Set(queue.filter((q) => q.sent && !retry.includes(q)).map((q) => q.hot.address));
      queue = queue.filter((q) => !done.has(q.hot.address));
      for (const q of queue) q.sent = false;
      // A hotkey whose register failed because it is registered already (its transfer was
      // the part that failed, or the other way round) needs only what is missing.
      for (const q of [...queue]) {
        const [uid, account] = await Promise.all([api.query.mindnet.uids(NETUID, q.hot.address), api.query.system.account(q.hot.address)]);
        if (uid.isSome && account.data.free.toBigInt() > 0n) queue.splice(queue.indexOf(q), 1);
      }
      log(`round ${round}: ${hots.length - queue.length} of ${hots.length} hotkeys registered and funded${reasons.length ? `; retrying ${queue.length} (${[...new Set(reasons)].slice(0, 3).join('; ')})` : ''}`);
    }
    const registered = (await api.query.mindnet.neuronCount(NETUID)).toNumber();
    log(`${registered} neurons on network ${NETUID}`);

    // Per-block statistics, from the canonical chain two blocks behind the best.
    const maxWeight = api.consts.system.blockWeights.maxBlock.refTime.toBigInt();
    const normalMax = api.consts.system.blockWeights.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
    const blocks = [];
    let lastSeen = (await api.rpc.chain.getHeader()).number.toNumber();
    let lastTime = null;
    let epochs = 0;
    const fees = [];
    const hotSet = new Set(hots.map((h) => u8aToHex(h.publicKey)));
    const watch = async () => {
      const head = (await api.rpc.chain.getHeader()).number.toNumber() - 2;
      for (; lastSeen < head; lastSeen++) {
        const number = lastSeen + 1;
        const hash = await api.rpc.chain.getBlockHash(number);
        const [block, at] = await Promise.all([api.rpc.chain.getBlock(hash), api.at(hash)]);
        const [events, weight, time] = await Promise.all([at.query.system.events(), at.query.system.blockWeight(), at.query.timestamp.now()]);
        const sets = block.block.extrinsics.filter((x) => x.method.section === 'mindnet' && x.method.method === 'setWeights').length;
        let failedSets = 0;
        for (const { event } of events) {
          if (api.events.transactionPayment.TransactionFeePaid.is(event) && hotSet.has(event.data.who.toHex())) {
            fees.push(event.data.actualFee.toBigInt());
          }
          if (api.events.mindnet.EpochCompleted.is(event) && event.data.netuid.toNumber() === NETUID) {
            epochs += 1;
            log(`epoch ${epochs} of network ${NETUID} completed at #${number} (${event.data.blocks} blocks, emission ${event.data.emission})`);
          }
          if (api.events.system.ExtrinsicFailed.is(event)) failedSets += 1;
        }
        const used = weight.normal.refTime.toBigInt() + weight.operational.refTime.toBigInt() + weight.mandatory.refTime.toBigInt();
        const t = time.toNumber();
        const dt = lastTime === null ? null : (t - lastTime) / 1000;
        lastTime = t;
        const row = { number, sets, failed: failedSets, extrinsics: block.block.extrinsics.length, weightPct: Number((used * 10000n) / maxWeight) / 100, normalPct: Number((weight.normal.refTime.toBigInt() * 10000n) / normalMax) / 100, dt };
        blocks.push(row);
        console.log(`  #${number}  set_weights ${String(sets).padStart(4)} (failed ${failedSets})  weight ${row.weightPct.toFixed(1)} % of max (normal ${row.normalPct.toFixed(1)} % of its limit)  block time ${dt ?? '-'} s`);
        if (weight.normal.refTime.toBigInt() > normalMax) throw new Error(`block #${number}'s normal transactions exceed their weight limit`);
      }
    };

    // The flood: every hotkey keeps one set_weights in flight until the epochs are done.
    const rejections = new Map();
    let submitted = 0; let included = 0; let unanswered = 0; let stop = false;
    const reject = (reason) => rejections.set(reason, (rejections.get(reason) ?? 0) + 1);
    const uidCount = registered;
    const flood = hots.map(async (hot, i) => {
      const via = apiFor(i);
      let nonce = (await via.rpc.system.accountNextIndex(hot.address)).toNumber();
      while (!stop) {
        const uids = new Set();
        while (uids.size < 8) uids.add(Math.floor(Math.random() * uidCount));
        const row = [...uids].sort((a, b) => a - b);
        const values = row.map(() => 1 + Math.floor(Math.random() * 65535));
        submitted += 1;
        try {
          await submit(via, via.tx.mindnet.setWeights(NETUID, row, values, 0), hot, nonce);
          included += 1;
          nonce += 1;
        } catch (e) {
          if (e.message.startsWith('no answer')) unanswered += 1;
          else reject(e.message);
          if (e.message.startsWith('in block')) nonce += 1; // the fee was paid, the nonce used
          else {
            nonce = (await via.rpc.system.accountNextIndex(hot.address)).toNumber();
            await sleep(3000);
          }
        }
      }
    });
    log(`flooding: ${hots.length} hotkeys, until ${options.epochs} epochs of network ${NETUID} complete`);
    const floodStart = Date.now();
    const deadlineMs = Date.now() + (options.epochs + 2) * options.tempo * 6000 * 2;
    while (epochs < options.epochs) {
      await watch();
      if (Date.now() > deadlineMs) throw new Error(`only ${epochs} epochs completed in time`);
      await sleep(2000);
    }
    stop = true;
    const settled = await Promise.race([Promise.allSettled(flood).then(() => true), sleep(90_000).then(() => false)]);
    await sleep(15_000);
    await watch();
    // Lost: neither included nor answered with an error (within 120 s, or by the end).
    const lost = unanswered + (settled ? 0 : submitted - included - unanswered - [...rejections.values()].reduce((a, b) => a + b, 0));

    const during = blocks.filter((b) => b.sets > 0);
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
    const times = during.map((b) => b.dt).filter((x) => x !== null);
    const feeTotal = fees.reduce((a, b) => a + b, 0n);
    const summary = {
      hotkeys: hots.length, validators: names.length, tempo: options.tempo, epochsCompleted: epochs,
      seconds: Math.round((Date.now() - floodStart) / 1000),
      submitted, included, lost,
      blocksWithSetWeights: during.length,
      setWeightsPerBlock: { mean: Math.round(mean(during.map((b) => b.sets))), max: Math.max(0, ...during.map((b) => b.sets)) },
      blockTimeS: { mean: Number(mean(times).toFixed(2)), max: Math.max(0, ...times), min: Math.min(...times) },
      maxWeightPct: Math.max(0, ...blocks.map((b) => b.weightPct)),
      rejections: Object.fromEntries(rejections),
      feesPaid: { transactions: fees.length, totalMIND: Number(feeTotal) / 1e9, meanMIND: fees.length ? Number(feeTotal / BigInt(fees.length)) / 1e9 : 0, maxMIND: fees.length ? Number(fees.reduce((a, b) => (a > b ? a : b))) / 1e9 : 0 },
    };
    console.log(`load: ${JSON.stringify(summary, null, 2)}`);
    if (lost) throw new Error(`${lost} transactions were neither included nor answered with an error`);
    if (epochs < options.epochs) throw new Error('the epochs did not complete');
  } catch (e) {
    console.error(`load: ${e.stack || e.message}`);
    process.exitCode = 1;
  } finally {
    await Promise.all(connections.map((c) => c.disconnect().catch(() => {})));
    await net.stopAll();
  }
}

await main();

// CPU and memory of a server process, read from /proc (Linux only). CPU is summed over the whole
// process tree so that a gateway that forks workers is charged for all of them.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

interface StatLine {
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

function readStat(pid: number, path = `/proc/${pid}/stat`): StatLine | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    // The command name may contain spaces and parentheses; the fields after the last ')' do not.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    // The process ended between listing and reading.
    return undefined;
  }
}

/** The pid and all its living descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat === undefined) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(pid);
    children.set(stat.ppid, siblings);
  }
  const tree: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** CPU time (user + system) of the process tree, in microseconds. */
export function readCpuMicros(root: number, ticksPerSecond: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) ticks += readStat(pid)?.cpuTicks ?? 0;
  return (ticks * 1e6) / ticksPerSecond;
}

/** CPU time (user + system) of each thread of one process, in microseconds, summed by thread
 * name ("node" is the main thread; V8's GC helpers are "V8 DefaultWorke", libuv's pool
 * "libuv-worker", the --cpu-prof sampler "v8:ProfEvntProc"). */
export function readThreadCpuMicros(pid: number, ticksPerSecond: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    const path = `/proc/${pid}/task/${tid}/stat`;
    const stat = readStat(pid, path);
    if (stat === undefined) continue;
    let name = '?';
    try {
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      // The thread ended; its time is gone with it.
    }
    if (tid === String(pid)) name = 'main thread';
    byName.set(name, (byName.get(name) ?? 0) + (stat.cpuTicks * 1e6) / ticksPerSecond);
  }
  return byName;
}

/** A memory field of /proc/<pid>/status summed over the process tree, in MiB; NaN once it is gone. */
function readTreeMemoryMiB(root: number, field: 'VmHWM' | 'VmRSS'): number {
  const pattern = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm');
  let kib = Number.NaN;
  for (const pid of processTree(root)) {
    try {
      const match = pattern.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kib = (Number.isNaN(kib) ? 0 : kib) + Number(match?.[1] ?? 0);
    } catch {
      // Gone already; nothing to add.
    }
  }
  return kib / 1024;
}

/** Peak resident set size (VmHWM) summed over the process tree, in MiB; NaN once it is gone. */
export function readPeakRssMiB(root: number): number {
  return readTreeMemoryMiB(root, 'VmHWM');
}

/** Current resident set size (VmRSS) summed over the process tree, in MiB. */
export function readRssMiB(root: number): number {
  return readTreeMemoryMiB(root, 'VmRSS');
}

/** Busy and total clock ticks of the whole machine so far (the first line of /proc/stat). */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // user nice system idle iowait irq softirq steal
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

const QUIET_WINDOW_MS = 200;

/**
 * Waits until fewer than `maxBusyCores` of the machine's cores were busy over the last 200 ms,
 * for at most `limitMs`; returns the cores busy in the last window. What one phase leaves behind
 * (a database's autovacuum or checkpoint after thousands of inserts, a gateway's spend writer)
 * would otherwise share the cores with the next phase and slow the target it measures.
 */
export async function waitForQuiet(maxBusyCores: number, limitMs: number): Promise<number> {
  const cores = cpus().length;
  const deadline = performance.now() + limitMs;
  for (;;) {
    const before = machineTicks();
    await sleep(QUIET_WINDOW_MS);
    const after = machineTicks();
    const window = after.total - before.total;
    const busyCores = window > 0 ? ((after.busy - before.busy) / window) * cores : 0;
    if (busyCores < maxBusyCores || performance.now() >= deadline) return busyCores;
  }
}

// Reads a V8 .cpuprofile (from node --cpu-prof) and splits the self time of a time window into
// groups: node internals, each npm package, each folder of the gateway's source, V8 itself.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

/** The .cpuprofile format: times in µs of the monotonic clock (process.hrtime's clock). */
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface TimeShare {
  name: string;
  /** Sampled time in the window, µs. */
  micros: number;
}

export interface ProfileWindow {
  /** Sampled time the thread was busy (not idle) in the window, µs. */
  busyMicros: number;
  /** Sampled idle time in the window, µs. */
  idleMicros: number;
  /** Busy time by group, largest first. */
  groups: TimeShare[];
  /** Busy time by function, largest first. */
  functions: TimeShare[];
}

const IDLE = '(idle)';

/** The group a frame's self time belongs to. */
export function groupOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'V8: garbage collection (main thread)';
    if (functionName === '(program)') return 'V8: compiler, runtime, unattributed';
    if (functionName === IDLE) return IDLE;
    return 'V8 builtins and native bindings';
  }
  if (url.startsWith('node:')) return 'node internals';
  const cached = /\/node_modules\/\.cache\/tollgate-bench\/([^/]+)$/.exec(url);
  if (cached) return `bench: ${cached[1] ?? ''}`;
  const inPackage = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(
    url.slice(url.lastIndexOf('/node_modules/')),
  );
  if (inPackage) return inPackage[1] ?? url;
  // Node's own HTTP parser is native; the only WebAssembly here is undici's llhttp.
  if (url.startsWith('wasm://')) return 'undici (llhttp, WebAssembly)';
  // The built gateway: dist/<folder>/... is src/<folder>/...
  const built = /\/dist\/(.+)\.js$/.exec(url);
  if (built) {
    const folder = built[1]?.split('/') ?? [];
    return folder.length > 1 ? `gateway src/${folder[0] ?? ''}` : 'gateway src/ (top level)';
  }
  return url;
}

function functionLabel(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  return file === '' ? name : `${name} ${file}:${frame.lineNumber + 1}`;
}

function sorted(totals: Map<string, number>): TimeShare[] {
  return [...totals]
    .map(([name, micros]) => ({ name, micros }))
    .sort((a, b) => b.micros - a.micros);
}

/** Self time of the samples taken between `fromMicros` and `toMicros` (monotonic clock, µs). */
export function summarizeProfile(
  path: string,
  fromMicros: number,
  toMicros: number,
): ProfileWindow {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyMicros = 0;
  let idleMicros = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    // Each delta is the time since the previous sample: charged to the sample it ends on.
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromMicros || at > toMicros) continue;
    const frame = frames.get(profile.samples[i] ?? -1);
    if (frame === undefined) continue;
    const group = groupOf(frame);
    if (group === IDLE) {
      idleMicros += delta;
      continue;
    }
    busyMicros += delta;
    groups.set(group, (groups.get(group) ?? 0) + delta);
    const label = functionLabel(frame);
    functions.set(label, (functions.get(label) ?? 0) + delta);
  }
  return { busyMicros, idleMicros, groups: sorted(groups), functions: sorted(functions) };
}

// A CLI process in its own process group, so a test can signal it alone and then make sure that
// nothing it started (a Temporal dev server, say) outlives it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { BIN } from './cli.js';

export interface GroupProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Pids still alive in the process group (the leader included). */
  groupMembers(): number[];
  /** SIGKILL to the whole group: what afterAll calls, so no process is left behind. */
  killGroup(): void;
}

export function spawnCliGroup(args: string[], env: NodeJS.ProcessEnv, cwd?: string): GroupProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const pid = child.pid!;
  return {
    child,
    pid,
    output: () => output,
    exited,
    groupMembers: () => groupMembers(pid),
    killGroup: () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    },
  };
}

/** The fields of /proc/<pid>/stat after the command name (the state first); undefined when the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: the fields start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process ended while we looked
  }
}

/** Whether a pid is a live process (not gone, not a zombie). */
export function alive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z';
}

/** Live (not zombie) processes whose process group id is pgid, read from /proc. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    if (fields && fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(name));
  }
  return members;
}

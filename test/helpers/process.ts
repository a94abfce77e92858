/** Process checks for tests that kill or orphan processes. */
import fs from 'node:fs';

/** Whether a process exists and is not a zombie (Linux: /proc/<pid>/stat). */
export function alive(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state letter follows the parenthesised command name, which may itself contain ") ".
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** The process group of a live process. */
export function processGroup(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

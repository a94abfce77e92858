/**
 * The stat cache: what is known about files and directories from earlier hashing, so that an unchanged tree is
 * neither read nor even listed again. It is kept per folder:
 *  - per file, its stat signature (device, inode, size, mtime, ctime) and SHA-256, trusted only while the
 *    signature matches and the file was hashed more than RACY_MS after its last write or status change (a
 *    write in the same timestamp tick would otherwise go unseen: the "racy git" problem);
 *  - per directory that was walked, its entry names and their kinds, trusted while the directory's own
 *    signature matches under the same racy rule (adding, removing or renaming an entry changes its mtime);
 *  - per directory hashed as a whole, its tree hash, valid while every folder and file under it is unchanged
 *    and was recorded no later than the tree hash (a stamp counter orders the records).
 * A no-op check of a tree is then one stat per entry and numeric comparisons. Times are Node's millisecond
 * doubles, whose sub-microsecond resolution carries the filesystem's nanosecond stamps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lib/atomic.js';
import { sha256File, treeHash, type FileHash, type PathHash, type TreeEntry } from './hashing.js';
import { DIR, FILE, OTHER, ROW, rowOf, statNames } from './stat-names.js';

const RACY_MS = 2000;
const STORE_FORMAT = 2;

/** Per entry: dev, ino, size, mtime, ctime, hashed-at, stamp; all zero while the entry has no file hash. */
const FILE_FIELDS = 7;
/** Per listed folder: dev, ino, mtime, ctime, listed-at, stamp. */
const LISTING_FIELDS = 6;
const DIGEST = 32;

const racyFree = (mtime: number, ctime: number, checkedAt: number): boolean => mtime + RACY_MS < checkedAt && ctime + RACY_MS < checkedAt;

/** What is known about one directory's entries; the columns may hold room for more than `size` entries. */
class Folder {
  private lookup: Map<string, number> | undefined;
  private count: number;

  constructor(
    /** The directory's signature when `names` was read from it; undefined when only some files are known. */
    public listing: Float64Array | undefined,
    /** The entry names, or, as loaded, joined by '/' (the one character a name cannot hold) until needed. */
    private entryNames: string[] | string,
    public kinds: Uint8Array,
    public files: Float64Array,
    public digests: Uint8Array,
  ) {
    this.count = kinds.length;
  }

  static empty(): Folder {
    return new Folder(undefined, [], new Uint8Array(0), new Float64Array(0), new Uint8Array(0));
  }

  get names(): string[] {
    if (typeof this.entryNames === 'string') this.entryNames = this.entryNames === '' ? [] : this.entryNames.split('/');
    return this.entryNames;
  }

  /** The entry names joined by '/'. */
  get joinedNames(): string {
    return typeof this.entryNames === 'string' ? this.entryNames : this.entryNames.join('/');
  }

  get size(): number {
    return this.count;
  }

  indexOf(name: string): number {
    this.lookup ??= new Map(this.names.map((n, i) => [n, i]));
    return this.lookup.get(name) ?? -1;
  }

  /** Replaces the entries by `names`, keeping what was known about the files among them. */
  relist(names: string[]): void {
    const kinds = new Uint8Array(names.length);
    const files = new Float64Array(names.length * FILE_FIELDS);
    const digests = new Uint8Array(names.length * DIGEST);
    names.forEach((name, i) => {
      const old = this.indexOf(name);
      if (old < 0) return;
      kinds[i] = this.kinds[old]!;
      files.set(this.files.subarray(old * FILE_FIELDS, (old + 1) * FILE_FIELDS), i * FILE_FIELDS);
      digests.set(this.digests.subarray(old * DIGEST, (old + 1) * DIGEST), i * DIGEST);
    });
    this.entryNames = names;
    this.kinds = kinds;
    this.files = files;
    this.digests = digests;
    this.count = names.length;
    this.lookup = undefined;
  }

  /** Whether entry `i` holds a file hash. */
  hashed(i: number): boolean {
    return this.files[i * FILE_FIELDS + 6]! > 0;
  }

  /** Appends an entry; the columns grow by doubling, so that recording many files one by one stays linear. */
  add(name: string): number {
    const i = this.count;
    const names = this.names;
    this.indexOf(name); // builds the lookup before `name` joins it
    if (i === this.kinds.length) {
      const room = Math.max(8, 2 * i);
      this.kinds = grown(this.kinds, room);
      this.files = grown(this.files, room * FILE_FIELDS);
      this.digests = grown(this.digests, room * DIGEST);
    }
    names.push(name);
    this.lookup!.set(name, i);
    this.count += 1;
    return i;
  }

  /** The columns trimmed to the entries. */
  columns(): { kinds: Uint8Array; files: Float64Array; digests: Uint8Array } {
    return { kinds: this.kinds.subarray(0, this.count), files: this.files.subarray(0, this.count * FILE_FIELDS), digests: this.digests.subarray(0, this.count * DIGEST) };
  }
}

interface TreeMemo {
  sha256: string;
  size: number;
  nfiles: number;
  stamp: number;
}

/**
 * The cache on disk: a JSON header (names and counts) followed by columns of numbers that are used in place,
 * without a parse. Layout: MAGIC, header length (uint32 LE), header, padding to 8 bytes, then the columns in
 * the order of COLUMNS.
 */
const MAGIC = Buffer.from('pipe stat cache\n');
interface Header {
  format: number;
  stamp: number;
  folders: string[];
  /** Each folder's entry names joined by '/'. */
  names: string[];
  /** Each folder's number of entries. */
  counts: number[];
  /** Which folders were listed. */
  listed: boolean[];
  trees: string[];
  treeDigests: string[];
}
/** The columns, in file order; the Float64 ones first, so that all stay aligned. */
const COLUMNS = ['listings', 'files', 'trees', 'kinds', 'digests'] as const;
const TREE_FIELDS = 3;

export class StatCache {
  private readonly folders = new Map<string, Folder>();
  private readonly trees = new Map<string, TreeMemo>();
  /** Increases with every record made; a tree hash is valid only over records no newer than itself. */
  private stamp = 0;
  private dirty = false;
  private readonly now: () => number;
  /** Work done so far: files read and hashed, directories listed. */
  readonly counts = { read: 0, listed: 0 };

  /**
   * `file` persists the cache between runs; without it the cache lives as long as the object. `now` is the
   * clock that dates hashes and listings (tests move it past the racy window instead of waiting).
   */
  constructor(
    private readonly file?: string,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    if (file) this.load(file);
  }

  /** Hash of a file, read only when its stat signature changed. `st` may be passed when already known. */
  hashFile(abs: string, st: fs.Stats = fs.statSync(abs)): FileHash {
    const [folder, i] = this.entry(abs);
    return this.hashEntry(folder, i, abs, rowOf(st));
  }

  /** Records a hash computed elsewhere (e.g. while copying), for a file whose stat is `st`. */
  remember(abs: string, st: fs.Stats, sha256: string): void {
    const [folder, i] = this.entry(abs);
    this.record(folder, i, rowOf(st), Buffer.from(sha256, 'hex'), this.now());
  }

  /** Hash of a file or directory (following symbolic links), or undefined when the path does not exist. */
  hashPath(abs: string): PathHash | undefined {
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (!st.isDirectory()) return this.hashFile(abs, st);
    const dir = withoutSlash(abs);
    const row = rowOf(st);
    const memo = this.trees.get(dir);
    if (memo && this.unchanged(dir, row, 0, memo.stamp)) return { sha256: memo.sha256, size: memo.size, nfiles: memo.nfiles };
    return this.hashDir(dir, row);
  }

  /** Like hashPath, but a directory's hash always comes with its file list. */
  hashTree(abs: string): PathHash | undefined {
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) return undefined;
    return st.isDirectory() ? this.hashDir(withoutSlash(abs), rowOf(st)) : this.hashFile(abs, st);
  }

  /** Drops what is recorded about paths that no longer exist, e.g. during `pipe gc`; returns the files dropped. */
  prune(): number {
    let dropped = 0;
    for (const [dir, folder] of this.folders) {
      const exists = fs.existsSync(dir);
      const gone = new Set(folder.names.filter((n, i) => folder.hashed(i) && !(exists && fs.existsSync(`${dir}/${n}`))));
      dropped += gone.size;
      if (!exists) this.folders.delete(dir);
      else if (gone.size) {
        folder.relist(folder.names.filter((n) => !gone.has(n)));
        folder.listing = undefined;
      }
    }
    for (const dir of this.trees.keys()) if (!this.folders.has(dir)) this.trees.delete(dir);
    this.dirty ||= dropped > 0;
    return dropped;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    const folders = [...this.folders].sort(([a], [b]) => (a < b ? -1 : 1));
    const listed = folders.filter(([, f]) => f.listing);
    const trimmed = folders.map(([, f]) => f.columns());
    const header: Header = {
      format: STORE_FORMAT,
      stamp: this.stamp,
      folders: folders.map(([p]) => p),
      names: folders.map(([, f]) => f.joinedNames),
      counts: folders.map(([, f]) => f.size),
      listed: folders.map(([, f]) => f.listing !== undefined),
      trees: [...this.trees.keys()],
      treeDigests: [...this.trees.values()].map((t) => t.sha256),
    };
    const columns = {
      listings: listed.map(([, f]) => f.listing!),
      files: trimmed.map((c) => c.files),
      trees: [...this.trees.values()].map((t) => new Float64Array([t.size, t.nfiles, t.stamp])),
      kinds: trimmed.map((c) => c.kinds),
      digests: trimmed.map((c) => c.digests),
    };
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length);
    const head = MAGIC.length + 4 + json.length;
    const parts: Uint8Array[] = [MAGIC, length, json, Buffer.alloc((8 - (head % 8)) % 8)];
    for (const name of COLUMNS) for (const a of columns[name]) parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    writeFileAtomic(this.file, Buffer.concat(parts), { durable: false });
    this.dirty = false;
  }

  private load(file: string): void {
    let data: Buffer;
    let header: Header;
    let at: number;
    try {
      data = fs.readFileSync(file);
      if (!data.subarray(0, MAGIC.length).equals(MAGIC)) return;
      const length = data.readUInt32LE(MAGIC.length);
      header = JSON.parse(data.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + length)) as Header;
      at = MAGIC.length + 4 + length;
    } catch {
      return; // A missing or unreadable cache only costs re-hashing.
    }
    if (header?.format !== STORE_FORMAT) return; // Written by another version: rebuilt as files are hashed.
    if (data.byteOffset % 8) data = Buffer.from(data); // Float64Array views need 8-byte alignment.
    at += (8 - (at % 8)) % 8;
    const take = <T extends Float64Array | Uint8Array>(Type: { new (b: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }, length: number): T | undefined => {
      const end = at + length * Type.BYTES_PER_ELEMENT;
      if (end > data.length) return undefined;
      const column = new Type(data.buffer as ArrayBuffer, data.byteOffset + at, length);
      at = end;
      return column;
    };
    const entries = header.counts.reduce((a, b) => a + b, 0);
    const listings = take(Float64Array, header.listed.filter(Boolean).length * LISTING_FIELDS);
    const files = take(Float64Array, entries * FILE_FIELDS);
    const trees = take(Float64Array, header.trees.length * TREE_FIELDS);
    const kinds = take(Uint8Array, entries);
    const digests = take(Uint8Array, entries * DIGEST);
    if (!listings || !files || !trees || !kinds || !digests) return; // Truncated.
    let entry = 0;
    let listed = 0;
    header.folders.forEach((dir, i) => {
      const end = entry + header.counts[i]!;
      let listing: Float64Array | undefined;
      if (header.listed[i]) {
        listing = listings.subarray(listed * LISTING_FIELDS, (listed + 1) * LISTING_FIELDS);
        listed += 1;
      }
      this.folders.set(dir, new Folder(listing, header.names[i]!, kinds.subarray(entry, end), files.subarray(entry * FILE_FIELDS, end * FILE_FIELDS), digests.subarray(entry * DIGEST, end * DIGEST)));
      entry = end;
    });
    header.trees.forEach((dir, i) => {
      const [size, nfiles, stamp] = trees.subarray(i * TREE_FIELDS, (i + 1) * TREE_FIELDS);
      this.trees.set(dir, { sha256: header.treeDigests[i]!, size: size!, nfiles: nfiles!, stamp: stamp! });
    });
    this.stamp = header.stamp;
  }

  private folder(dir: string): Folder {
    let folder = this.folders.get(dir);
    if (!folder) this.folders.set(dir, (folder = Folder.empty()));
    return folder;
  }

  /** The folder and entry index of a file, created when unknown. */
  private entry(abs: string): [Folder, number] {
    const folder = this.folder(path.dirname(abs));
    const name = path.basename(abs);
    let i = folder.indexOf(name);
    if (i < 0) {
      // A listed folder gains an entry only if it was created after listing: the listing is stale then.
      folder.listing = undefined;
      i = folder.add(name);
      this.dirty = true;
    }
    return [folder, i];
  }

  /** The file's hash; `row` is its current stat row. */
  private hashEntry(folder: Folder, i: number, abs: string, row: Float64Array): FileHash {
    this.setKind(folder, i, FILE);
    if (this.fileFresh(folder, i, row, 0, Infinity)) return { sha256: hex(folder, i), size: row[3]! };
    const hashedAt = this.now();
    const h = sha256File(abs);
    this.counts.read += 1;
    this.record(folder, i, row, Buffer.from(h.sha256, 'hex'), hashedAt);
    return h;
  }

  private record(folder: Folder, i: number, row: Float64Array, digest: Uint8Array, hashedAt: number): void {
    folder.files.set([row[1]!, row[2]!, row[3]!, row[4]!, row[5]!, hashedAt, ++this.stamp], i * FILE_FIELDS);
    folder.digests.set(digest, i * DIGEST);
    this.dirty = true;
  }

  private setKind(folder: Folder, i: number, kind: number): void {
    if (folder.kinds[i] === kind) return;
    folder.kinds[i] = kind;
    if (folder.listing) folder.listing[5] = ++this.stamp;
    this.dirty = true;
  }

  /** The file's recorded hash holds for stat row `row` (at `o`) and was recorded no later than `stamp`. */
  private fileFresh(folder: Folder, i: number, row: Float64Array, o: number, stamp: number): boolean {
    const f = folder.files;
    const at = i * FILE_FIELDS;
    return (
      f[at + 1] === row[o + 2] &&
      f[at] === row[o + 1] &&
      f[at + 2] === row[o + 3] &&
      f[at + 3] === row[o + 4] &&
      f[at + 4] === row[o + 5] &&
      racyFree(f[at + 3]!, f[at + 4]!, f[at + 5]!) &&
      f[at + 6]! <= stamp
    );
  }

  /** The folder of directory `dir` (stat row `row`) with its entries listed, read again only when stale. */
  private listed(dir: string, row: Float64Array): Folder {
    const folder = this.folder(dir);
    if (folder.listing && listingFresh(folder.listing, row, 0)) return folder;
    const listedAt = this.now();
    folder.relist(fs.readdirSync(dir));
    this.counts.listed += 1;
    folder.listing = Float64Array.of(row[1]!, row[2]!, row[4]!, row[5]!, listedAt, ++this.stamp);
    this.dirty = true;
    return folder;
  }

  /**
   * True when nothing under `dir` (stat row `row` at `o`) changed since its records, all made no later than
   * `stamp`. This is the whole of a no-op check: one batched stat per folder and numeric comparisons.
   */
  private unchanged(dir: string, row: Float64Array, o: number, stamp: number): boolean {
    const folder = this.folders.get(dir);
    const listing = folder?.listing;
    if (!folder || !listing || !listingFresh(listing, row, o) || listing[5]! > stamp) return false;
    const rows = statNames(dir, folder.joinedNames, folder.size);
    const kinds = folder.kinds;
    for (let i = 0; i < folder.size; i += 1) {
      const at = i * ROW;
      const kind = rows[at];
      if (kind !== kinds[i]) return false;
      if (kind === FILE && !this.fileFresh(folder, i, rows, at, stamp)) return false;
      if (kind === DIR && !this.unchanged(`${dir}/${folder.names[i]}`, rows, at, stamp)) return false;
    }
    return true;
  }

  private hashDir(dir: string, row: Float64Array): PathHash {
    const tree: TreeEntry[] = [];
    this.walk(dir, row, '', tree);
    tree.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const h = treeHash(tree);
    this.trees.set(dir, { sha256: h.sha256, size: h.size, nfiles: h.nfiles!, stamp: this.stamp });
    this.dirty = true;
    return h;
  }

  /** Adds the files under `dir` to `tree`; empty directories leave no trace. */
  private walk(dir: string, row: Float64Array, rel: string, tree: TreeEntry[]): void {
    const folder = this.listed(dir, row);
    const names = folder.names;
    for (let i = 0; i < names.length; i += 1) {
      const child = `${dir}/${names[i]}`;
      const childRel = rel ? `${rel}/${names[i]}` : names[i]!;
      const st = fs.statSync(child, { throwIfNoEntry: false });
      const childRow = st ? rowOf(st) : undefined;
      const kind = childRow?.[0] ?? OTHER;
      if (kind === FILE) tree.push({ path: childRel, ...this.hashEntry(folder, i, child, childRow!) });
      else {
        this.setKind(folder, i, kind);
        if (kind === DIR) this.walk(child, childRow!, childRel, tree);
      }
    }
  }
}

function grown<T extends Float64Array | Uint8Array>(column: T, length: number): T {
  const bigger = new (column.constructor as new (length: number) => T)(length);
  bigger.set(column);
  return bigger;
}

/** Whether a folder's listing holds for the directory's stat row `row` (at `o`). */
function listingFresh(l: Float64Array, row: Float64Array, o: number): boolean {
  return l[1] === row[o + 2] && l[0] === row[o + 1] && l[2] === row[o + 4] && l[3] === row[o + 5] && racyFree(l[2]!, l[3]!, l[4]!);
}

function hex(folder: Folder, i: number): string {
  return Buffer.from(folder.digests.buffer, folder.digests.byteOffset + i * DIGEST, DIGEST).toString('hex');
}

function withoutSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

// The Rust crypto keeps its store in IndexedDB, which Node lacks. Hearth gives
// it an in-memory IndexedDB (fake-indexeddb) and makes it durable by taking
// snapshots: every database under a name prefix, read through the standard
// IndexedDB API and serialized with V8's structured clone, so binary values
// survive exactly. A snapshot is restored before the crypto opens its store.
import 'fake-indexeddb/auto';
import { deserialize, serialize } from 'node:v8';

// The small part of the IndexedDB API used here. Declared locally because
// Hearth compiles without the DOM's type library.
type KeyPath = string | string[];
interface IDBRequest<T> { result: T; error: Error | null; onsuccess: (() => void) | null; onerror: (() => void) | null }
interface IDBOpenDBRequest extends IDBRequest<IDBDatabase> { onupgradeneeded: (() => void) | null }
interface IDBIndex { keyPath: KeyPath; unique: boolean; multiEntry: boolean }
interface IDBObjectStore {
  keyPath: KeyPath | null;
  autoIncrement: boolean;
  indexNames: Iterable<string>;
  index(name: string): IDBIndex;
  getAllKeys(): IDBRequest<unknown[]>;
  getAll(): IDBRequest<unknown[]>;
  createIndex(name: string, keyPath: KeyPath, options: { unique: boolean; multiEntry: boolean }): IDBIndex;
  put(value: unknown, key?: unknown): IDBRequest<unknown>;
}
interface IDBTransaction { objectStore(name: string): IDBObjectStore }
interface IDBDatabase {
  version: number;
  objectStoreNames: Iterable<string>;
  transaction(names: string[], mode: 'readonly'): IDBTransaction;
  createObjectStore(name: string, options: { keyPath: KeyPath | null; autoIncrement: boolean }): IDBObjectStore;
  close(): void;
}
interface IDBFactory {
  open(name: string, version?: number): IDBOpenDBRequest;
  deleteDatabase(name: string): IDBRequest<unknown>;
  databases(): Promise<{ name?: string }[]>;
}
const indexedDB = (globalThis as unknown as { indexedDB: IDBFactory }).indexedDB;

interface IndexShape {
  name: string;
  keyPath: string | string[];
  unique: boolean;
  multiEntry: boolean;
}

interface StoreShape {
  name: string;
  keyPath: string | string[] | null;
  autoIncrement: boolean;
  indexes: IndexShape[];
  keys: unknown[];
  values: unknown[];
}

interface DatabaseShape {
  name: string;
  version: number;
  stores: StoreShape[];
}

const FORMAT = 1;

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => { resolve(request.result); };
    request.onerror = () => { reject(request.error ?? new Error('IndexedDB request failed')); };
  });
}

function openExisting(name: string): Promise<IDBDatabase> {
  return done(indexedDB.open(name));
}

async function readStore(transaction: IDBTransaction, storeName: string): Promise<StoreShape> {
  const store = transaction.objectStore(storeName);
  const indexes = [...store.indexNames].map((indexName) => {
    const index = store.index(indexName);
    return { name: indexName, keyPath: index.keyPath, unique: index.unique, multiEntry: index.multiEntry };
  });
  const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
  return { name: storeName, keyPath: store.keyPath, autoIncrement: store.autoIncrement, indexes, keys, values };
}

async function readDatabase(name: string): Promise<DatabaseShape> {
  const db = await openExisting(name);
  try {
    const storeNames = [...db.objectStoreNames];
    if (storeNames.length === 0) return { name, version: db.version, stores: [] };
    // One read-only transaction over every store: a consistent picture of the database.
    const transaction = db.transaction(storeNames, 'readonly');
    const stores = await Promise.all(storeNames.map((storeName) => readStore(transaction, storeName)));
    return { name, version: db.version, stores };
  } finally {
    db.close();
  }
}

/** Every IndexedDB database whose name starts with the prefix, as bytes. */
export async function takeSnapshot(prefix: string): Promise<Uint8Array> {
  const names = (await indexedDB.databases()).map((info) => info.name ?? '').filter((name) => name.startsWith(prefix)).sort();
  const databases: DatabaseShape[] = [];
  for (const name of names) databases.push(await readDatabase(name));
  return new Uint8Array(serialize({ format: FORMAT, databases }));
}

function isSnapshot(value: unknown): value is { format: number; databases: DatabaseShape[] } {
  return typeof value === 'object' && value !== null && (value as { format?: unknown }).format === FORMAT && Array.isArray((value as { databases?: unknown }).databases);
}

function writeDatabase(shape: DatabaseShape): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(shape.name, shape.version);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const storeShape of shape.stores) {
        const store = db.createObjectStore(storeShape.name, { keyPath: storeShape.keyPath, autoIncrement: storeShape.autoIncrement });
        for (const index of storeShape.indexes) store.createIndex(index.name, index.keyPath, { unique: index.unique, multiEntry: index.multiEntry });
        storeShape.values.forEach((value, i) => {
          // Out-of-line keys are given back explicitly; in-line ones are part of the value.
          if (storeShape.keyPath === null) store.put(value, storeShape.keys[i]);
          else store.put(value);
        });
      }
    };
    request.onsuccess = () => { request.result.close(); resolve(); };
    request.onerror = () => { reject(request.error ?? new Error(`could not restore ${shape.name}`)); };
  });
}

/**
 * Recreates the databases of a snapshot. Databases of the same names are
 * deleted first, so the result is exactly the snapshot.
 */
export async function restoreSnapshot(bytes: Uint8Array): Promise<void> {
  const snapshot: unknown = deserialize(bytes);
  if (!isSnapshot(snapshot)) throw new Error('the crypto store snapshot is not in a format this Hearth knows');
  for (const shape of snapshot.databases) {
    await done(indexedDB.deleteDatabase(shape.name));
    await writeDatabase(shape);
  }
}

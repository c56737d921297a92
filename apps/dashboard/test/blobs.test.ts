/**
 * The blob store (uploads and job files out of the database's rows): the local folder store,
 * the job-file layer over it (URLs, names the server chose), and a job's upload read back.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../src/server/blobs/local.js';
import { fileUrl, parseFileUrl, readJobFile, removeJobFiles, saveJobFile } from '../src/server/jobs/files.js';
import { jobUpload, keepUpload, checkUpload } from '../src/server/jobs/uploads.js';
import { createServices, loadEnv } from '../src/server/index.js';
import { dataUrl, scenePng } from './helpers/images.js';

const dir = mkdtempSync(join(tmpdir(), 'gradloc-blobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ID = '0b0c6f2e-8d7a-4c5b-9a1e-2f3d4c5b6a79';

describe('the local blob store', () => {
  const blobs = new LocalBlobStore(join(dir, 'store'));

  it('keeps, replaces, reads and removes by key; no temporary file is left', async () => {
    await blobs.put('jobs/a/x.bin', new Uint8Array([1, 2]));
    await blobs.put('jobs/a/x.bin', new Uint8Array([3]));
    await blobs.put('jobs/a/y.bin', new Uint8Array([4]));
    expect(await blobs.get('jobs/a/x.bin')).toEqual(new Uint8Array([3]));
    expect(readdirSync(join(dir, 'store', 'jobs', 'a')).sort()).toEqual(['x.bin', 'y.bin']);
    expect(await blobs.get('jobs/a/missing.bin')).toBeUndefined();
    expect(await blobs.get('jobs/a')).toBeUndefined(); // a folder is not a blob
    await blobs.removeAll('jobs/a');
    expect(await blobs.get('jobs/a/y.bin')).toBeUndefined();
  });

  it('refuses keys that could leave its folder', async () => {
    for (const key of ['../x', 'jobs/../../x', '/etc/passwd', 'jobs//x', 'jobs/%2e%2e/x', '']) {
      await expect(blobs.put(key, new Uint8Array([1]))).rejects.toThrow(/bad blob key/);
    }
  });
});

describe('job files over the blob store', () => {
  const blobs = new LocalBlobStore(join(dir, 'files'));

  it('serves what the server named, by URL, and nothing else', async () => {
    const url = await saveJobFile(blobs, ID, 'map.npy', new Uint8Array([9]));
    expect(url).toBe(fileUrl(ID, 'map.npy'));
    expect(parseFileUrl(url)).toEqual({ jobId: ID, name: 'map.npy' });
    expect(await readJobFile(blobs, url)).toEqual(new Uint8Array([9]));
    for (const bad of [`/api/jobs/${ID}/..%2Fx.npy`, `/api/jobs/not-a-uuid/map.npy`, `/api/jobs/${ID}/MAP`, `/elsewhere/${ID}/map.npy`]) {
      expect(parseFileUrl(bad)).toBeUndefined();
      expect(await readJobFile(blobs, bad)).toBeUndefined();
    }
    await expect(saveJobFile(blobs, ID, '../x.npy', new Uint8Array([1]))).rejects.toThrow(/bad job file/);
    await removeJobFiles(blobs, ID);
    expect(await readJobFile(blobs, url)).toBeUndefined();
  });
});

describe("a job's upload", () => {
  const services = createServices(loadEnv({ GRADLOC_DATA_DIR: join(dir, 'data') }));

  it('is kept as sent and decodes to the same pixels as the inline upload of older rows', async () => {
    const { bytes } = await scenePng(3);
    const upload = await checkUpload(services, dataUrl(bytes));
    const url = await keepUpload(services, ID, upload);
    expect(url).toBe(fileUrl(ID, 'upload.png'));
    expect(Buffer.from((await readJobFile(services.blobs, url))!).equals(bytes)).toBe(true);
    const kept = await jobUpload(services, url);
    const inline = await jobUpload(services, dataUrl(bytes));
    expect([kept.width, kept.height]).toEqual([inline.width, inline.height]);
    expect(Buffer.from(kept.data).equals(Buffer.from(inline.data))).toBe(true);
    await removeJobFiles(services.blobs, ID);
    await expect(jobUpload(services, url)).rejects.toThrow(/is gone from the blob store/);
  });
});

/**
 * A tiny KServe v2 server for the tests, written from the protocol (not from the client):
 * health, model metadata and readiness, `infer` with JSON tensors, and Triton's repository
 * extension to load a model sent in the request (`file:1/model.onnx`, base64). Models run on
 * the real onnxruntime. Counts the requests it answers, so tests can see what went remote.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import * as ort from 'onnxruntime-node';

const TYPES: Record<string, { ort: ort.Tensor.Type; make: (n: number[]) => ort.Tensor['data'] }> = {
  FP32: { ort: 'float32', make: (v) => Float32Array.from(v) },
  FP64: { ort: 'float64', make: (v) => Float64Array.from(v) },
  INT32: { ort: 'int32', make: (v) => Int32Array.from(v) },
  INT64: { ort: 'int64', make: (v) => BigInt64Array.from(v, (x) => BigInt(x)) },
  UINT8: { ort: 'uint8', make: (v) => Uint8Array.from(v) },
  BOOL: { ort: 'bool', make: (v) => Uint8Array.from(v, (x) => (x ? 1 : 0)) },
};
const WIRE: Record<string, string> = { float32: 'FP32', float64: 'FP64', int32: 'INT32', int64: 'INT64', uint8: 'UINT8', bool: 'BOOL' };

export interface TestKserve {
  readonly url: string;
  readonly requests: { method: string; path: string }[];
  close(): Promise<void>;
}

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });

export async function startKserve(): Promise<TestKserve> {
  const models = new Map<string, ort.InferenceSession>();
  const requests: { method: string; path: string }[] = [];
  const server: Server = createServer((req, res) => {
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.push({ method: req.method ?? '', path });
      let m: RegExpMatchArray | null;
      if (path === '/v2/health/ready') return send(200, {});
      if ((m = path.match(/^\/v2\/repository\/models\/([^/]+)\/load$/)) && req.method === 'POST') {
        const p = (JSON.parse(await body(req)) as { parameters?: Record<string, string> }).parameters ?? {};
        const file = p['file:1/model.onnx'];
        if (!file) return send(400, { error: 'no file:1/model.onnx parameter' });
        try {
          models.set(m[1], await ort.InferenceSession.create(Buffer.from(file, 'base64')));
        } catch (e) {
          return send(400, { error: `load failed: ${(e as Error).message}` });
        }
        return send(200, {});
      }
      if ((m = path.match(/^\/v2\/models\/([^/]+)(\/ready|\/infer)?$/))) {
        const s = models.get(m[1]);
        if (!s) return send(404, { error: `model '${m[1]}' is not loaded` });
        if (m[2] === '/ready') return send(200, {});
        if (!m[2]) return send(200, { name: m[1], platform: 'onnxruntime_onnx', inputs: s.inputNames.map((name) => ({ name })), outputs: s.outputNames.map((name) => ({ name })) });
        const r = JSON.parse(await body(req)) as { inputs: { name: string; shape: number[]; datatype: string; data: number[] }[]; outputs?: { name: string }[] };
        const feeds: Record<string, ort.Tensor> = {};
        for (const i of r.inputs) {
          const t = TYPES[i.datatype];
          if (!t) return send(400, { error: `datatype ${i.datatype} not supported by this test server` });
          feeds[i.name] = new ort.Tensor(t.ort, t.make(i.data) as never, i.shape);
        }
        let result: ort.InferenceSession.ReturnType;
        try {
          result = await s.run(feeds, r.outputs?.map((o) => o.name));
        } catch (e) {
          return send(400, { error: (e as Error).message.split('\n')[0] });
        }
        return send(200, {
          model_name: m[1],
          outputs: Object.entries(result).map(([name, t]) => ({ name, shape: t.dims, datatype: WIRE[t.type], data: Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v)) })),
        });
      }
      return send(404, { error: `no route ${req.method} ${path}` });
    })().catch((e: Error) => send(500, { error: e.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of models.values()) await s.release();
    },
  };
}

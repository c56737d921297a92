import { join } from 'node:path';
import type { NextConfig } from 'next';

const config: NextConfig = {
  typescript: { tsconfigPath: 'tsconfig.next.json' },
  turbopack: { root: join(import.meta.dirname, '..', '..') },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;

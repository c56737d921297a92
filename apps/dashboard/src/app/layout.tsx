import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Providers } from '../lib/trpc';
import { Nav } from '../lib/nav';
import './globals.css';

export const metadata: Metadata = {
  title: 'gradloc dashboard',
  description: 'Grounding, explanations, Visual Precision Search and GWQ quantization over the gradloc packages',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <Nav />
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}

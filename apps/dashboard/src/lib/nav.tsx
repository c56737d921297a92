'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

const PAGES = [
  ['/grounding', 'Grounding'],
  ['/explain', 'Explain'],
  ['/text', 'Text to image'],
  ['/quantize', 'Quantize'],
  ['/sgtm', 'SGTM'],
  ['/localize', 'Localize'],
  ['/jobs', 'Jobs'],
  ['/models', 'Models'],
  ['/api-docs', 'API'],
] as const;

export function Nav() {
  const path = usePathname();
  return (
    <nav className="nav">
      <span className="brand">gradloc</span>
      {PAGES.map(([href, label]) => (
        <Link key={href} href={href} className={path?.startsWith(href) ? 'active' : undefined}>
          {label}
        </Link>
      ))}
    </nav>
  );
}

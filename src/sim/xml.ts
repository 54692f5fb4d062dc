/**
 * A minimal XML rendering of the JSON bodies, for clients that do not ask for JSON: the real engine
 * answers XML by default (ovirt-api.md §1.5). `id` and `href` become attributes, arrays repeat their
 * element, the rest become child elements (§2.1, §2.2).
 */
export function renderXml(root: string, value: unknown): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${element(root, value)}\n`;
}

function element(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join('');
  if (value === null || value === undefined) return `<${name}/>`;
  if (typeof value !== 'object') return `<${name}>${escapeXml(String(value))}</${name}>`;
  const entries = Object.entries(value as Record<string, unknown>);
  let attributes = '';
  let children = '';
  for (const [key, child] of entries) {
    if ((key === 'id' || key === 'href' || key === 'rel') && typeof child === 'string') {
      attributes += ` ${key}="${escapeXml(child)}"`;
    } else {
      children += element(key, child);
    }
  }
  return children === '' ? `<${name}${attributes}/>` : `<${name}${attributes}>${children}</${name}>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

/**
 * HTML with escaping by default: every value interpolated into `html\`…\`` is escaped unless it is itself Html
 * (the result of another `html` call, or `raw()` for markup built here). Arrays are joined.
 */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

export function escapeHtml(value: string | number | boolean | null | undefined): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** What a template may interpolate: markup, text and numbers (escaped), lists of them; nothing renders as nothing. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function piece(v: HtmlValue): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return (v as readonly HtmlValue[]).map(piece).join('');
  if (v === undefined || v === null || v === false) return '';
  return escapeHtml(v as string | number | true);
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Markup that is already safe (constants of this module's callers). */
export const raw = (s: string) => new Html(s);

/**
 * The page around the HTML report: inline CSS only, no scripts, fonts or other resources. A module rather than
 * an .html file so that the report stage's code hash covers it.
 */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; line-height: 1.45; }
  h1 { font-size: 1.6rem; }
  h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
  h3 { font-size: 1.05rem; margin-top: 1.5rem; }
  table { border-collapse: collapse; margin: 0.8rem 0; font-variant-numeric: tabular-nums; }
  th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; }
  th { background: #f4f4f4; }
  td.num, th.num { text-align: right; }
  dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; font-size: 0.92rem; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  figure { margin: 1rem 0; overflow-x: auto; }
  figure svg { max-width: none; }
  .note { color: #555; font-size: 0.92rem; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

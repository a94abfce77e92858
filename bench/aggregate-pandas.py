#!/usr/bin/python3
"""pandas reference for bench/aggregate-scale.ts: the same weighted group distributions, computed with merges
and groupby on CSV copies of the ingested tables (Debian 12 ships no Parquet reader for Python).

    /usr/bin/python3 bench/aggregate-pandas.py CSV_DIR SUMMARY_JSON OUT_JSONL

Membership codes come from the aggregate stage's summary.json (`members` per wave and group); the refusal is
the last value label's code. Weights that are missing or not positive are left out; a (question, group) pair
is kept when it has at least min_n respondents and not only refusals. Keys are categoricals of one type across
tables so that merges and groupby work on integer codes, one wave at a time. Prints one JSON line with the
times.
"""
import json
import resource
import sys
import time

import numpy as np
import pandas as pd

csv_dir, summary_file, out_file = sys.argv[1:4]

t0 = time.perf_counter()
answers = pd.read_csv(f'{csv_dir}/answers.csv', dtype={'wave': 'category', 'qkey': 'category', 'respondent': 'category', 'code': 'float64'})
respondents = pd.read_csv(f'{csv_dir}/respondents.csv', dtype={'wave': 'category', 'respondent': 'category', 'weight': 'float64'})
profiles = pd.read_csv(f'{csv_dir}/profiles.csv', dtype={'wave': 'category', 'respondent': 'category', 'variable': 'category', 'code': 'float64', 'label': 'object'})
questions = pd.read_csv(f'{csv_dir}/questions.csv', dtype={'wave': 'object', 'qkey': 'object', 'codes': 'object'})
load_seconds = time.perf_counter() - t0

t1 = time.perf_counter()
c1 = time.process_time()
summary = json.load(open(summary_file))
min_n = summary['min_n']
rules = pd.DataFrame(
    [
        (w['wave'], m['variable'], float(m['code']), f"{g['attribute']}/{g['group']}")
        for w in summary['waves']
        for g in w['groups']
        for m in g['members']
    ],
    columns=['wave', 'variable', 'code', 'group'],
)
option_rows = []
for wave, qkey, codes in questions.itertuples(index=False):
    codes = json.loads(codes)
    option_rows += [(wave, qkey, float(c), i + 1) for i, c in enumerate(codes[:-1])]
    option_rows.append((wave, qkey, float(codes[-1]), 0))
options = pd.DataFrame(option_rows, columns=['wave', 'qkey', 'code', 'position'])
k_of = options[options.position > 0].groupby(['wave', 'qkey']).position.max()

# One categorical type per key across tables, so that merges join on integer codes.
resp_type = pd.CategoricalDtype(answers.respondent.cat.categories.union(respondents.respondent.cat.categories).union(profiles.respondent.cat.categories))
qkey_type = pd.CategoricalDtype(answers.qkey.cat.categories.union(pd.Index(options.qkey.unique())))
answers['respondent'] = answers.respondent.astype(resp_type)
answers['qkey'] = answers.qkey.astype(qkey_type)
respondents['respondent'] = respondents.respondent.astype(resp_type)
profiles['respondent'] = profiles.respondent.astype(resp_type)
profiles['variable'] = profiles.variable.astype(str)
options['qkey'] = options.qkey.astype(qkey_type)

lines = []
for wave, ans in answers.groupby('wave', observed=True):
    weights = respondents[respondents.wave == wave][['respondent', 'weight']]
    weights = weights[weights.weight.fillna(0) > 0]
    prof = profiles[profiles.wave == wave][['respondent', 'variable', 'code']]
    members = prof.merge(rules[rules.wave == wave][['variable', 'code', 'group']], on=['variable', 'code'])
    members = members[['respondent', 'group']].drop_duplicates().merge(weights, on='respondent')
    opts = options[options.wave == wave][['qkey', 'code', 'position']]
    a = ans[['qkey', 'respondent', 'code']].merge(opts, on=['qkey', 'code'])
    a = a.merge(members, on='respondent')
    cells = a.groupby(['qkey', 'group', 'position'], observed=True).weight.agg(['size', 'sum'])
    wide = cells['sum'].unstack('position', fill_value=0.0)
    n = cells['size'].groupby(level=['qkey', 'group']).sum().reindex(wide.index)
    total = wide.sum(axis=1)
    refused = wide[0] if 0 in wide.columns else pd.Series(0.0, index=wide.index)
    keep = (n >= min_n) & (total > refused)
    answer_cols = [c for c in wide.columns if c > 0]
    shares = wide.loc[keep, answer_cols].div((total - refused)[keep], axis=0)
    k = k_of.loc[wave].reindex(shares.index.get_level_values('qkey')).to_numpy()
    values = shares.to_numpy()
    for (qkey, group), row, kk, nn, tt, rr in zip(shares.index, values, k, n[keep], total[keep], refused[keep]):
        lines.append(json.dumps({
            'qkey': qkey, 'group': group, 'responses': row[:kk].tolist(), 'refusal_rate': rr / tt,
            'n_respondents': int(nn), 'weight_sum': tt,
        }))
with open(out_file, 'w') as out:
    out.write('\n'.join(lines) + '\n')
compute_seconds = time.perf_counter() - t1
compute_cpu_seconds = time.process_time() - c1
print(json.dumps({
    'load_seconds': load_seconds,
    'compute_seconds': compute_seconds,
    'compute_cpu_seconds': compute_cpu_seconds,
    'max_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))

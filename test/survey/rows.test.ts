import test from 'ava';
import { checkRow } from '../../survey/rows.js';

const row = {
  qkey: 'SATIS_W1', wave: 'ATP_W1', attribute: 'SEX', group: 'Male', question: 'Satisfied?',
  options: ['Yes', 'No', 'Refused'], ordinal: [1, 2], responses: [0.25, 0.75], refusal_rate: 0.1, n_respondents: 10, weight_sum: 9.5,
};

test('a row whose responses sum to 1 passes; a wrong sum, NaN, infinity or no Refused option is an error naming the line', (t) => {
  t.deepEqual(checkRow(row, 'rows.jsonl:1'), row);
  t.throws(() => checkRow({ ...row, responses: [0.25, 0.7] }, 'rows.jsonl:2'), { message: /^rows\.jsonl:2: responses sum to 0\.95, not 1$/ });
  t.throws(() => checkRow({ ...row, responses: [Number.NaN, 1] }, 'rows.jsonl:3'), { message: /^rows\.jsonl:3: responses\.0 must be number$/ });
  t.throws(() => checkRow({ ...row, refusal_rate: Number.POSITIVE_INFINITY }, 'rows.jsonl:4'), { message: /^rows\.jsonl:4: refusal_rate must be/ });
  t.throws(() => checkRow({ ...row, options: ['Yes', 'No', 'Other'] }, 'rows.jsonl:5'), { message: /^rows\.jsonl:5: options/ });
});

test('options past the ordinals ("Not sure") carry no response; ordinals and responses must still agree', (t) => {
  const notSure = { ...row, options: ['Yes', 'No', 'Not sure', 'Refused'] };
  t.deepEqual(checkRow(notSure, 'rows.jsonl:1'), notSure);
  t.throws(() => checkRow({ ...notSure, responses: [0.25, 0.25, 0.5] }, 'rows.jsonl:2'), {
    message: 'rows.jsonl:2: 3 options before "Refused" but 2 ordinals and 3 responses',
  });
  t.throws(() => checkRow({ ...row, ordinal: [1, 2, 3], responses: [0.25, 0.25, 0.5] }, 'rows.jsonl:3'), {
    message: 'rows.jsonl:3: 2 options before "Refused" but 3 ordinals and 3 responses',
  });
});

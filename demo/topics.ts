/**
 * The topics the demo surveys ask about, and the words that name each topic. Every ATP and GSS-layout question
 * belongs to one topic. Real Pew waves and the GSS ask about the same topics (spending priorities, guns,
 * abortion, religion, trust, …) in their own words and answer scales; the demo does the same, so what a model
 * learns about a topic and its vocabulary from the ATP waves can carry over to the GSS-layout survey although
 * no question is asked in both. The words are what the two surveys' questions share: test/demo/shared.test.ts
 * checks that every GSS-layout question and at least two ATP questions of its topic use one of them.
 */

export interface Topic {
  readonly label: string;
  /** Lower-case words (or word beginnings) naming the topic, matched at word starts in question texts. */
  readonly words: readonly string[];
}

export const topics = {
  environment: { label: 'Environment and climate', words: ['environment', 'climate', 'air quality', 'water quality'] },
  health: { label: 'Health and health care', words: ['health'] },
  drugs: { label: 'Drugs and marijuana', words: ['drug', 'marijuana'] },
  world: { label: 'Foreign aid and the world', words: ['foreign', 'around the world', 'other countries'] },
  science: { label: 'Science and space', words: ['scien', 'space exploration'] },
  race: { label: 'Race', words: ['race', 'racial', 'black'] },
  military: { label: 'The military', words: ['military'] },
  welfare: { label: 'Welfare and the poor', words: ['welfare', 'poor', 'needy'] },
  retirement: { label: 'Social Security and retirement', words: ['social security', 'medicare', 'retirement'] },
  infrastructure: { label: 'Roads and infrastructure', words: ['highways', 'bridges', 'roads', 'infrastructure', 'transportation'] },
  education: { label: 'Education', words: ['education', 'school', 'college'] },
  religion: { label: 'Religion', words: ['religio', 'god', 'pray', 'heaven', 'hell', 'church', 'life after death'] },
  government: { label: 'The federal government', words: ['federal government', 'government in washington', 'elected officials'] },
  news: { label: 'The press and the news media', words: ['press', 'news', 'journalist'] },
  crime: { label: 'Crime and punishment', words: ['crime', 'criminal', 'murder', 'police'] },
  guns: { label: 'Guns', words: ['gun'] },
  abortion: { label: 'Abortion', words: ['abortion'] },
  sexuality: { label: 'Homosexuality and same-sex marriage', words: ['same sex', 'homosexual', 'gays and lesbians'] },
  trust: { label: 'Trust in other people', words: ['trust', 'helpful', 'take advantage'] },
  happiness: { label: 'Happiness', words: ['happy'] },
  finances: { label: 'Personal finances and work', words: ['financial', 'satisfied', 'bills', 'retirement'] },
  immigration: { label: 'Immigration', words: ['immigra'] },
  speech: { label: 'Free speech and civil liberties', words: ['speak', 'speech', 'offensive', 'allowed'] },
  economy: { label: 'The national economy', words: ['econom'] },
  politics: { label: 'Politics and the country', words: ['president', 'country'] },
  technology: { label: 'Technology', words: ['technolog', 'social media', 'artificial intelligence', 'smartphone'] },
  family: { label: 'Gender, marriage and family', words: ['women', 'marriage', 'family', 'feminist'] },
} as const satisfies Record<string, Topic>;

export type TopicId = keyof typeof topics;

/** True when `text` uses one of the topic's words (case-insensitive, at a word start). */
export function mentionsTopic(text: string, topic: TopicId): boolean {
  const lower = text.toLowerCase();
  return topics[topic].words.some((w) => new RegExp(`(^|[^a-z])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(lower));
}

// Subject index: finds every value registered under a subject pattern that matches an event
// subject, at a cost that follows the subject's token count and the wildcards along its path —
// not the number of patterns (matching must not slow down linearly as triggers are added). A token
// trie like the NATS server's sublist: each node has literal children, a `*` child, the values
// of patterns ending at it, and the values of patterns ending in `>` right after it.

import { isValidSubjectLiteral, isValidSubjectPattern } from "./subjects.js"

interface SubjectIndex<V> {
  /**
   * Registers `value` under `pattern`; adding the same value (`===`) under the same pattern again
   * changes nothing. Throws `InvalidSubjectPatternError` when `pattern` is not a valid NATS
   * subject pattern: patterns are validated with the trigger, so this is a programming error.
   */
  add(pattern: string, value: V): void
  /** Unregisters `value` from `pattern` and prunes nodes left empty; unknown pairs are ignored. */
  remove(pattern: string, value: V): void
  /**
   * Every value whose pattern matches `subject`, each once even when several of its patterns
   * match. Empty for a subject that is not a valid literal subject (wildcards, empty tokens).
   */
  match(subject: string): ReadonlyArray<V>
  /**
   * Every value whose pattern the server would match against `subject` token by token, whether or
   * not it is a valid literal subject: the triggers an event on a subject dagnats refuses reached.
   */
  reach(subject: string): ReadonlyArray<V>
  /** Number of distinct (pattern, value) registrations. */
  readonly size: number
}

/** Thrown by `SubjectIndex.add` for a string that is not a NATS subject pattern. */
export class InvalidSubjectPatternError extends Error {
  override readonly name = "InvalidSubjectPatternError"
  constructor(readonly pattern: string) {
    super(`invalid subject pattern ${JSON.stringify(pattern)}`)
  }
}

interface Node<V> {
  readonly literals: Map<string, Node<V>>
  star: Node<V> | undefined
  /** Values of patterns that end at this node. */
  readonly terminal: Set<V>
  /** Values of patterns that end with `>` directly below this node. */
  readonly rest: Set<V>
}

const makeNode = <V>(): Node<V> => ({
  literals: new Map(),
  star: undefined,
  terminal: new Set(),
  rest: new Set(),
})

const isEmpty = <V>(node: Node<V>): boolean =>
  node.literals.size === 0 && node.star === undefined && node.terminal.size === 0 && node.rest.size === 0

const collect = <V>(node: Node<V>, tokens: ReadonlyArray<string>, i: number, out: Set<V>): void => {
  const token = tokens[i]
  if (token === undefined) {
    for (const value of node.terminal) out.add(value)
    return
  }
  // At least one token remains, so every `>` below this node matches.
  for (const value of node.rest) out.add(value)
  const literal = node.literals.get(token)
  if (literal !== undefined) collect(literal, tokens, i + 1, out)
  if (node.star !== undefined) collect(node.star, tokens, i + 1, out)
}

class SubjectTrie<V> implements SubjectIndex<V> {
  readonly #root: Node<V> = makeNode()
  #size = 0

  get size(): number {
    return this.#size
  }

  add(pattern: string, value: V): void {
    if (!isValidSubjectPattern(pattern)) throw new InvalidSubjectPatternError(pattern)
    let node = this.#root
    for (const token of pattern.split(".")) {
      if (token === ">") {
        this.#addTo(node.rest, value)
        return
      }
      if (token === "*") {
        node.star ??= makeNode()
        node = node.star
      } else {
        let child = node.literals.get(token)
        if (child === undefined) {
          child = makeNode()
          node.literals.set(token, child)
        }
        node = child
      }
    }
    this.#addTo(node.terminal, value)
  }

  remove(pattern: string, value: V): void {
    if (!isValidSubjectPattern(pattern)) return
    // The path from the root, so empty nodes can be pruned bottom-up afterwards.
    const path: Array<{ readonly parent: Node<V>; readonly token: string; readonly node: Node<V> }> = []
    let node = this.#root
    let values: Set<V> | undefined
    for (const token of pattern.split(".")) {
      if (token === ">") {
        values = node.rest
        break
      }
      const child = token === "*" ? node.star : node.literals.get(token)
      if (child === undefined) return
      path.push({ parent: node, token, node: child })
      node = child
    }
    values ??= node.terminal
    if (!values.delete(value)) return
    this.#size--
    for (let i = path.length - 1; i >= 0; i--) {
      const step = path[i]
      if (step === undefined || !isEmpty(step.node)) break
      if (step.token === "*") step.parent.star = undefined
      else step.parent.literals.delete(step.token)
    }
  }

  match(subject: string): ReadonlyArray<V> {
    if (!isValidSubjectLiteral(subject)) return []
    const out = new Set<V>()
    collect(this.#root, subject.split("."), 0, out)
    return Array.from(out)
  }

  reach(subject: string): ReadonlyArray<V> {
    const out = new Set<V>()
    collect(this.#root, subject.split("."), 0, out)
    return Array.from(out)
  }

  #addTo(values: Set<V>, value: V): void {
    if (values.has(value)) return
    values.add(value)
    this.#size++
  }
}

export const makeSubjectIndex = <V>(): SubjectIndex<V> => new SubjectTrie<V>()

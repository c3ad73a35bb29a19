/**
 * Chapter 14 — the bounded store passes chapter 09's MemoryStore tests,
 * unchanged: this file replaces the list of implementations those tests
 * run over with one entry whose MemoryStore is a BoundedMemoryStore, then
 * loads test/09-memory-store.test.ts, whose tests run here against it.
 */
import { vi } from 'vitest'
import './09-memory-store.test.js'

vi.mock('./support/implementations.js', async () => {
  const { default: ours } = await import('../src/index.js')
  const { BoundedMemoryStore } = await import('../src/extras/bounded-memory-store.js')
  /** Made the way chapter 09's tests make a MemoryStore, without arguments; a cap above what they store. */
  class CappedMemoryStore extends BoundedMemoryStore {
    constructor() {
      super({ max: 1000 })
    }
  }
  return {
    implementations: [{ name: 'BoundedMemoryStore (max 1000)', session: { ...ours, MemoryStore: CappedMemoryStore } }]
  }
})

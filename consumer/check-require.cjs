/**
 * Plain Node.js, CommonJS: require() of the package under both names and of
 * every module its exports map lists, with one copy of each class whether a
 * module is required or imported.
 */
/* global require, console, process */
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- plain CommonJS on purpose: require() is what this file tests, and what it requires by a computed name has no type */
const assert = require('node:assert/strict')
const { exports: exportsMap } = require('express-session-annotated/package.json')

const NAMES = ['express-session', 'express-session-annotated']
const STATICS = ['Store', 'Cookie', 'Session', 'MemoryStore']

/** The specifier of each public module under a package name: '.' and every subpath but package.json. */
function publicModules(name) {
  return Object.keys(exportsMap)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? name : name + key.slice(1)))
}

async function main() {
  for (const name of NAMES) {
    const session = require(name)
    assert.equal(typeof session, 'function', `require('${name}') is the session function`)
    assert.deepEqual(Object.keys(session), STATICS, `require('${name}') carries the four statics, as upstream's does`)
    assert.equal(typeof session({ secret: 's', resave: false, saveUninitialized: false }), 'function')
    assert.ok(new session.MemoryStore() instanceof session.Store)

    for (const specifier of publicModules(name)) {
      const required = require(specifier)
      const imported = await import(specifier)
      const names = Object.keys(imported).filter((key) => key !== 'default' && key !== 'module.exports')
      assert.ok(names.length > 0, `${specifier} exports something`)
      for (const key of names)
        assert.equal(required[key], imported[key], `${specifier}: one ${key}, required or imported`)
      if (specifier === name)
        assert.equal(imported.default, required, `${name}: the default import is what require() returns`)
    }
  }

  // the Redis store loads without the redis package, and says what it needs
  assert.throws(() => require.resolve('redis'), { code: 'MODULE_NOT_FOUND' })
  const { RedisStore } = require('express-session-annotated/stores/redis-store')
  assert.throws(() => new RedisStore({}), /npm install redis/)

  console.log(
    `check-require.cjs: ${NAMES.length} names, ${publicModules('x').length} modules each, one copy of each class`
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})

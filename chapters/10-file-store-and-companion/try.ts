// Chapter 10: a session as a file you can cat, surviving a new store on the same folder.
// Run: npx tsx chapters/10-file-store-and-companion/try.ts
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { SessionData } from '../../src/index.js'
import { FileStore } from '../../src/stores/file-store.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chapter-10-'))
const store = new FileStore({ dir, reapInterval: 0 })
const data = {
  cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000), httpOnly: true, path: '/' },
  user: 'rasmus'
} as SessionData

store.set('tYOtmbb58e8lLjIs-GaCJv3YVATHGzS1', data, (err) => {
  if (err) throw err as Error
  console.log(`$ ls ${path.basename(dir)}`)
  console.log('  ' + fs.readdirSync(dir).join('\n  '))
  // the file is <capitals>~<id>.json: the number says which letters of the id are capitals
  const [name] = fs.readdirSync(dir)
  console.log(`$ cat ${path.basename(dir)}/${name}`)
  console.log(fs.readFileSync(path.join(dir, name), 'utf8').trimEnd())

  const restarted = new FileStore({ dir, reapInterval: 0 })
  restarted.get('tYOtmbb58e8lLjIs-GaCJv3YVATHGzS1', (getErr, sess) => {
    console.log('a new FileStore on the same folder reads user:', (sess as unknown as { user: string }).user)
    restarted.get('../../etc/passwd', (unsafe) => {
      console.log('and refuses an unsafe id:', (unsafe as Error).message)
      fs.rmSync(dir, { recursive: true, force: true })
      if (getErr) throw getErr as Error
    })
  })
})

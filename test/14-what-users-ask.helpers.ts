/**
 * Helpers shared by chapter 14's tests (this file holds no tests).
 */
import type { NextFunction, Request, Response } from 'express'

/** What the chapter's apps keep in a session. */
export interface Data {
  user?: string
  cart?: string[]
  returnTo?: string
  isAdmin?: boolean
  _version?: number
}

/** The session as the application's data. */
export function data(req: Request): Data {
  return req.session
}

/** An async route for `sessionApp`'s `respond`: a rejection goes to `next(err)`, as Express 5 does. */
export function route(
  handler: (req: Request, res: Response) => Promise<void>
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    handler(req, res).catch(next)
  }
}

/** A step a test controls: the route says it has `entered`, then waits until the test calls `open`. */
export interface Gate {
  open: () => void
  opened: Promise<void>
  enter: () => void
  entered: Promise<void>
}

/** Make a {@link Gate}. */
export function gate(): Gate {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  let enter = () => {}
  const entered = new Promise<void>((resolve) => {
    enter = resolve
  })
  return { open, opened, enter, entered }
}

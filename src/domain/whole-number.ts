// A count from a request (a page size, a batch size, how many fire times to show): a whole number in
// a closed range, with one message in the words every endpoint and the trigger model use.
import { Schema } from "effect"

export const wholeNumber = (min: number, max: number) =>
  Schema.Number.pipe(
    Schema.check(
      Schema.makeFilter((n: number) =>
        Number.isInteger(n) && n >= min && n <= max ? undefined : `must be a whole number from ${min} to ${max}`,
      ),
    ),
  )

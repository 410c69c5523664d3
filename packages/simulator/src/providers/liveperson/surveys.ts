/**
 * The account's three surveys (pre-chat, offline, exit) as `GET` serves them, and the check of submitted answers.
 * The pre-chat survey is served with numbers and booleans as strings, the others with JSON numbers and booleans:
 * the vendor's examples show both, and clients must read either.
 */
import type { components } from "@switchboard/client-liveperson"

type Schemas = components["schemas"]
type Survey = Schemas["Survey"]
type Question = Schemas["SurveyQuestion"]

const asArray = <A>(value: A | ReadonlyArray<A> | undefined): ReadonlyArray<A> =>
  value === undefined ? [] : Array.isArray(value) ? (value as ReadonlyArray<A>) : [value as A]

export const preChatSurvey: Survey = {
  id: "51200",
  title: "",
  header: "Before we connect you, please tell us a little about your question.",
  questions: {
    question: [
      {
        id: "51201",
        logicId: "1",
        order: "0",
        mandatory: "true",
        type: "Text Field",
        validationType: "alpha_numeric",
        label: "What is your name?",
        lastKnownValue: ""
      },
      {
        id: "51202",
        logicId: "2",
        order: "1",
        mandatory: "true",
        type: "Dropdown Box",
        validationType: "alpha_numeric",
        label: "What can we help you with?",
        entry: [
          { checked: "false", value: "orders", displayValue: "An order" },
          { checked: "false", value: "billing", displayValue: "Billing" },
          { checked: "false", value: "other", displayValue: "Something else", logic: { showLogicId: "3" } }
        ]
      },
      {
        id: "51203",
        logicId: "3",
        order: "2",
        mandatory: "true",
        type: "Text Area",
        validationType: "alpha_numeric",
        label: "Please describe it in a few words.",
        lastKnownValue: ""
      }
    ]
  }
}

export const offlineSurvey: Survey = {
  id: 52100,
  title: "",
  header: "Nobody can chat right now. Leave us a message and we will answer by email.",
  questions: {
    question: [
      {
        id: 52101,
        logicId: 1,
        order: 0,
        mandatory: true,
        type: "Text Field",
        validationType: "alpha_numeric",
        label: "Name",
        lastKnownValue: ""
      },
      {
        id: 52102,
        logicId: 2,
        order: 1,
        mandatory: true,
        type: "Text Field",
        validationType: "email",
        label: "Email",
        lastKnownValue: ""
      },
      {
        id: 52103,
        logicId: 3,
        order: 2,
        mandatory: false,
        type: "Text Field",
        validationType: "numeric",
        label: "Phone (optional)",
        lastKnownValue: ""
      },
      {
        id: 52104,
        logicId: 4,
        order: 3,
        mandatory: true,
        type: "Text Area",
        validationType: "alpha_numeric",
        label: "Your message",
        lastKnownValue: ""
      }
    ]
  }
}

export const exitSurvey: Survey = {
  id: 53100,
  title: "",
  header: "Thanks for chatting with us. Two quick questions before you go?",
  questions: {
    question: [
      {
        id: 53101,
        logicId: 1,
        order: 0,
        mandatory: false,
        type: "Radio Button (side by side)",
        validationType: "alpha_numeric",
        label: "How would you rate this chat?",
        entry: ["1", "2", "3", "4", "5"].map((value) => ({ checked: false, value }))
      },
      {
        id: 53102,
        logicId: 2,
        order: 1,
        mandatory: false,
        type: "Radio Button",
        validationType: "alpha_numeric",
        label: "Shall we email you a copy of this chat?",
        entry: [
          { checked: false, value: "yes", displayValue: "Yes", logic: { showLogicId: 3 } },
          { checked: false, value: "no", displayValue: "No" }
        ]
      },
      {
        id: 53103,
        logicId: 3,
        order: 2,
        mandatory: true,
        type: "Text Field",
        validationType: "email",
        label: "Your email address",
        lastKnownValue: ""
      },
      {
        id: 53104,
        logicId: 4,
        order: 3,
        mandatory: false,
        type: "Text Area",
        validationType: "alpha_numeric",
        label: "Anything else you would like to tell us?",
        lastKnownValue: ""
      }
    ]
  }
}

/** One submitted answer as the three submission bodies carry it. */
interface Answer {
  readonly id: string | number
  readonly answer?: string | ReadonlyArray<string>
}

const selection = new Set(["Dropdown Box", "Checkbox", "Radio Button (side by side)", "Radio Button"])
const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const numeric = /^[0-9]+$/

const isTrue = (value: unknown) => value === true || value === "true"

/**
 * Checks answers against a survey: the survey id, known question ids, choices among the entries, the validation
 * types, and mandatory questions (a question shown only through another answer's logic is mandatory only when shown).
 * Returns a problem in words, or `undefined` when the answers are acceptable.
 */
export const checkAnswers = (
  survey: Survey,
  surveyId: string | number,
  submitted: Answer | ReadonlyArray<Answer> | undefined,
  options: { readonly requireMandatory: boolean }
): string | undefined => {
  if (String(surveyId) !== String(survey.id)) return `survey ${String(surveyId)} is not this account's survey`
  const questions = asArray<Question>(survey.questions?.question)
  const byId = new Map(questions.map((question) => [String(question.id), question]))
  const given = new Map<string, ReadonlyArray<string>>()
  for (const answer of asArray<Answer>(submitted)) {
    const question = byId.get(String(answer.id))
    if (question === undefined) return `question ${String(answer.id)} is not part of survey ${String(survey.id)}`
    const values = asArray<string>(answer.answer).filter((value) => value.length > 0)
    if (selection.has(question.type)) {
      const allowed = new Set(asArray(question.entry).map((entry) => entry.value))
      const wrong = values.find((value) => !allowed.has(value))
      if (wrong !== undefined) return `question ${String(question.id)} has no choice "${wrong.slice(0, 40)}"`
      if (question.type !== "Checkbox" && values.length > 1) {
        return `question ${String(question.id)} takes one answer`
      }
    } else if (values.length > 1) {
      return `question ${String(question.id)} takes one answer`
    }
    const value = values[0]
    if (value !== undefined && question.validationType === "email" && !email.test(value)) {
      return `question ${String(question.id)} needs an email address`
    }
    if (value !== undefined && question.validationType === "numeric" && !numeric.test(value)) {
      return `question ${String(question.id)} needs a number`
    }
    given.set(String(question.id), values)
  }
  if (!options.requireMandatory) return undefined
  // A question some entry's logic points at is shown only when that entry is chosen.
  const shownBy = new Map<string, Array<{ readonly question: string; readonly value: string }>>()
  for (const question of questions) {
    for (const entry of asArray(question.entry)) {
      const target = entry.logic?.showLogicId
      if (target === undefined) continue
      const list = shownBy.get(String(target)) ?? []
      list.push({ question: String(question.id), value: entry.value })
      shownBy.set(String(target), list)
    }
  }
  for (const question of questions) {
    if (!isTrue(question.mandatory) || (given.get(String(question.id))?.length ?? 0) > 0) continue
    const triggers = question.logicId === undefined ? undefined : shownBy.get(String(question.logicId))
    const shown = triggers === undefined || triggers.some((t) => given.get(t.question)?.includes(t.value) === true)
    if (shown) return `question ${String(question.id)} ("${question.label ?? ""}") must be answered`
  }
  return undefined
}

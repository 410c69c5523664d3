/**
 * The only way these pages make elements: text is appended as text nodes and attributes are set one by one, so
 * nothing a visitor, an agent or a provider writes is ever parsed as HTML.
 */
type Attributes = Readonly<Record<string, string | boolean | undefined>>

export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: ReadonlyArray<Node | string>
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    element.setAttribute(name, value === true ? "" : value)
  }
  element.append(...children)
  return element
}

/** Replaces an element's children (text stays text). */
export const fill = (element: Element, ...children: ReadonlyArray<Node | string>): void => {
  element.replaceChildren(...children)
}

export const clock = (at: number): string =>
  new Date(at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })

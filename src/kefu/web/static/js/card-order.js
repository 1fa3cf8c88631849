// The order card (being built for #13): returns the card's element, or null to show the message's text.

/** @returns {HTMLElement|null} */
export function orderCard(_card, _ctx) {
  return null;
}

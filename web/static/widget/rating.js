// The end-of-conversation rating (CSAT): a 1-5 choice with an optional comment.
//
// Shown when the bot sends the custom payload {"type": "rating_request"} (the bot asks at the
// end of a conversation, and when an agent closes one). How a rating is *submitted* is one
// replaceable function, a "rating submitter": `async ({score, comment, conversationId}) => void`.
// Until the feedback service exists it is `messageSubmitter`, which sends the rating to the bot
// as an ordinary customer message ("评分：5 分；意见：……"). The feedback issue passes its own
// submitter as the widget option `submitRating` (or changes `defaultSubmitter` here).

import { el } from "./render.js";

export const RATING_REQUEST = "rating_request";
export const MAX_COMMENT_CHARS = 500;

/** True when a message's custom payload asks for a rating. */
export function isRatingRequest(custom) {
  return Boolean(custom) && custom.type === RATING_REQUEST;
}

/** Submits a rating as the customer message `format(score, comment)`, through `sendText(text)`. */
export function messageSubmitter(sendText, format) {
  return async ({ score, comment }) => {
    sendText(format(score, comment));
  };
}

export const defaultSubmitter = messageSubmitter;

let formCount = 0;

/**
 * The rating card for one rating request. `message.rating` holds a submitted rating
 * ({score, comment}); without it the card is a form and `onSubmit({score, comment})` is
 * called with the customer's choice; if it rejects, the form stays open with an error.
 */
export function ratingCard(message, strings, onSubmit) {
  const s = strings.rating;
  const headingId = `eec-rating-${++formCount}`;
  const card = el("div", { class: "eec-rating", role: "group", "aria-labelledby": headingId });
  card.append(el("p", { class: "eec-rating__title", id: headingId, text: s.title }));

  if (message.rating) {
    card.append(el("p", { class: "eec-rating__thanks", role: "status", text: s.thanks(message.rating.score) }));
    card.append(stars(message.rating.score));
    return card;
  }

  const name = `eec-score-${formCount}`;
  const error = el("p", { class: "eec-rating__error", role: "alert", hidden: true });
  const fieldset = el("fieldset", { class: "eec-rating__scale" }, el("legend", { class: "eec-sr", text: s.scale }));
  s.scores.forEach((label, index) => {
    const score = index + 1;
    fieldset.append(
      el(
        "label",
        { class: "eec-rating__star", title: label },
        el("input", { type: "radio", name, value: String(score), "aria-label": label }),
        el("span", { "aria-hidden": "true", text: "★" }),
      ),
    );
  });
  fieldset.addEventListener("change", () => {
    const chosen = Number(fieldset.querySelector("input:checked")?.value ?? 0);
    fieldset.querySelectorAll(".eec-rating__star").forEach((star, index) => {
      star.classList.toggle("is-lit", index < chosen);
    });
    error.hidden = true;
  });
  const comment = el("textarea", {
    class: "eec-rating__comment",
    rows: 2,
    maxLength: MAX_COMMENT_CHARS,
    "aria-label": s.comment,
    placeholder: s.comment,
  });
  const submit = el("button", { type: "submit", class: "eec-rating__submit", text: s.submit });
  const form = el("form", { class: "eec-rating__form", novalidate: true }, fieldset, comment, error, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector(`input[name="${name}"]:checked`);
    if (!chosen) {
      error.textContent = s.required;
      error.hidden = false;
      fieldset.querySelector("input")?.focus();
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    const rating = { score: Number(chosen.value), comment: comment.value.trim().slice(0, MAX_COMMENT_CHARS) };
    Promise.resolve()
      .then(() => onSubmit(rating))
      .catch(() => {
        submit.disabled = false;
        error.textContent = s.failed;
        error.hidden = false;
      });
  });
  card.append(form);
  return card;
}

function stars(score) {
  return el("p", { class: "eec-rating__stars", "aria-hidden": "true", text: "★".repeat(score) + "☆".repeat(5 - score) });
}

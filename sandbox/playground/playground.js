/* The sandbox page: draws both chats from /state and sends what the player does. */
"use strict";

let customerId = null;
const drawn = { customer: "", owner: "" };

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

async function openApp(who, url) {
  const launch = await post("open-app", { who, url });
  window.open(launch.url, "_blank");
}

function bubble(who, message) {
  const node = el("div", { class: message.from_bot ? "bubble bot" : "bubble me", "data-message-id": message.id });
  if (message.photo) node.append(el("img", { src: `photo/${who}/${message.id}`, alt: "chart" }));
  if (message.document) node.append(el("a", { href: `document/${who}/${message.id}` }, `📎 ${message.document}`));
  if (message.contact) node.append(el("div", {}, `📱 ${message.contact}`));
  if (message.text) node.append(el("div", { class: "text" }, message.text));
  for (const row of message.buttons) {
    const line = el("div", { class: "buttons" });
    for (const button of row) {
      let action;
      if (button.web_app) action = () => openApp(who, button.web_app);
      else if (button.url) action = () => window.open(button.url, "_blank");
      else action = () => post("press", { who, message_id: message.id, label: button.text });
      line.append(el("button", { type: "button", onclick: action }, button.text));
    }
    node.append(line);
  }
  return node;
}

function draw(who, person) {
  const phone = document.querySelector(`.phone[data-who="${who}"]`);
  phone.querySelector(".name").textContent = person.first_name;
  const fingerprint = JSON.stringify(person.messages);
  if (fingerprint === drawn[who]) return;
  drawn[who] = fingerprint;
  const chat = phone.querySelector(".chat");
  chat.replaceChildren(...person.messages.map((m) => bubble(who, m)));
  chat.scrollTop = chat.scrollHeight;
  const last = [...person.messages].reverse().find((m) => m.from_bot && m.keyboard.length);
  const keyboard = phone.querySelector(".keyboard");
  keyboard.replaceChildren(...(last ? last.keyboard : []).map((key) => el("button", {
    type: "button",
    onclick: () => key.contact ? post("share-phone", { who }) : post("send", { who, text: key.text }),
  }, key.text)));
}

async function refresh() {
  try {
    const state = await (await fetch("state")).json();
    customerId = state.customer.id;
    draw("customer", state.customer);
    draw("owner", state.owner);
  } catch (e) { /* the sandbox is stopping */ }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll(".compose")) {
    const who = form.closest(".phone").dataset.who;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = form.elements.text;
      if (!input.value.trim()) return;
      await post("send", { who, text: input.value });
      input.value = "";
    });
  }
  for (const button of document.querySelectorAll(".quick")) {
    button.addEventListener("click", () => post("send", {
      who: button.dataset.who, text: button.dataset.text.replace("{customer}", customerId),
    }));
  }
  refresh();
  setInterval(refresh, 500);
});

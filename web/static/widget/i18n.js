// Every string the widget shows, in one table. Chinese (Simplified) is the default; English
// when the page configures `language: "en"`. Message text from the bot is never translated.

const zh = {
  htmlLang: "zh-Hans",
  locale: "zh-CN",
  title: "eepay 在线客服",
  openChat: "打开在线客服",
  closeChat: "收起在线客服",
  withUnread: (label, n) => `${label}（${n} 条未读消息）`,
  close: "关闭聊天窗口",
  conversation: "聊天记录",
  inputLabel: "输入您的问题",
  placeholder: "请输入您的问题，按 Enter 发送",
  send: "发送",
  you: "我",
  bot: "小e · 智能客服",
  agent: "人工客服",
  typing: "小e 正在输入…",
  quickReplies: "快捷回复",
  chosen: "已选择",
  pending: "等待发送",
  newMessages: "有新消息",
  image: "图片",
  status: {
    connecting: "正在连接…",
    online: "在线",
    offline: "网络已断开，正在重新连接…",
  },
  rating: {
    title: "请为本次服务评分",
    scale: "评分（1 分最低，5 分最高）",
    scores: ["1 分 · 非常不满意", "2 分 · 不满意", "3 分 · 一般", "4 分 · 满意", "5 分 · 非常满意"],
    comment: "其他意见（选填）",
    submit: "提交评价",
    required: "请先选择 1-5 分",
    failed: "评价没能提交，请稍后再试",
    thanks: (score) => `感谢您的评价！您给出了 ${score} 分。`,
    // Sent to the bot as an ordinary message until the feedback service exists.
    message: (score, comment) => `评分：${score} 分${comment ? `；意见：${comment}` : ""}`,
  },
};

const en = {
  htmlLang: "en",
  locale: "en-GB",
  title: "eepay Support",
  openChat: "Open support chat",
  closeChat: "Minimise support chat",
  withUnread: (label, n) => `${label} (${n} unread ${n === 1 ? "message" : "messages"})`,
  close: "Close chat window",
  conversation: "Conversation",
  inputLabel: "Type your question",
  placeholder: "Type your question…",
  send: "Send",
  you: "You",
  bot: "eepay assistant",
  agent: "Human agent",
  typing: "The assistant is typing…",
  quickReplies: "Suggested replies",
  chosen: "chosen",
  pending: "Waiting to send",
  newMessages: "New messages",
  image: "Image",
  status: {
    connecting: "Connecting…",
    online: "Online",
    offline: "Connection lost, reconnecting…",
  },
  rating: {
    title: "How did we do?",
    scale: "Rating (1 lowest, 5 highest)",
    scores: ["1 · Very poor", "2 · Poor", "3 · OK", "4 · Good", "5 · Excellent"],
    comment: "Anything else? (optional)",
    submit: "Send rating",
    required: "Please choose 1 to 5 first",
    failed: "Your rating could not be sent, please try again",
    thanks: (score) => `Thank you for your feedback! You rated us ${score} out of 5.`,
    message: (score, comment) => `Rating: ${score}/5${comment ? `. Comment: ${comment}` : ""}`,
  },
};

export const STRINGS = Object.freeze({ zh, en });

/** "en", "en-US", "EN" → "en"; anything else (or nothing) → "zh". */
export function resolveLanguage(value) {
  return typeof value === "string" && value.trim().toLowerCase().startsWith("en") ? "en" : "zh";
}

/** The string table for a configured language. */
export function stringsFor(language) {
  return STRINGS[resolveLanguage(language)];
}

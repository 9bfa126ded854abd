"""The widget's modules, function by function, inside Chromium (no Rasa needed).

Each test imports the ES modules the demo server serves and checks pure behaviour: safe
rendering, payload parsing, history merging and caps, configuration.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser
NOOPENER = "noopener noreferrer nofollow"


@pytest.fixture
def page(browser: Browser, assets_url: str) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{assets_url}/healthz")  # any page of the widget's origin
    yield page
    context.close()


def test_text_with_markup_stays_text_and_only_safe_links_become_links(page: Page):
    result = page.evaluate(
        """async () => {
          const { appendRichText } = await import('/widget/render.js');
          const box = document.createElement('div');
          appendRichText(box, '<img src=x onerror=alert(1)> [点这里](javascript:alert(1)) '
            + '[重置密码](https://eepay.example/reset?c=1) 详见 https://eepay.example/help?a=1。谢谢');
          return {
            text: box.textContent,
            elements: Array.from(box.querySelectorAll('*')).map(n => n.tagName),
            links: Array.from(box.querySelectorAll('a')).map(a => [a.textContent, a.href, a.rel]),
          };
        }"""
    )
    assert result["elements"] == ["A", "A"]
    assert result["links"] == [
        ["重置密码", "https://eepay.example/reset?c=1", NOOPENER],
        [
            "https://eepay.example/help?a=1",
            "https://eepay.example/help?a=1",
            "noopener noreferrer nofollow",
        ],
    ]
    assert result["text"].startswith("<img src=x onerror=alert(1)> [点这里](javascript:alert(1)) ")
    assert result["text"].endswith("https://eepay.example/help?a=1。谢谢")


def test_customer_text_is_never_linkified(page: Page):
    links = page.evaluate(
        """async () => {
          const { appendRichText } = await import('/widget/render.js');
          const box = document.createElement('div');
          appendRichText(box, 'https://phish.example', { links: false });
          return box.querySelectorAll('a').length;
        }"""
    )
    assert links == 0


def test_only_harmless_url_schemes_are_accepted(page: Page):
    verdicts = page.evaluate(
        """async () => {
          const { safeUrl } = await import('/widget/render.js');
          return ['https://a.example', 'http://a.example', 'mailto:kf@eepay.example', 'tel:95000',
                  'javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'data:text/html,x', 'vbscript:x',
                  '/relative', '', null].map(u => safeUrl(u) !== null);
        }"""
    )
    assert verdicts == [True, True, True, True, False, False, False, False, False, False, False]


def test_bot_payloads_become_message_entries(page: Page):
    entries = page.evaluate(
        """async () => {
          const { entryFromPayload } = await import('/widget/widget.js');
          return [
            {text: '你好', quick_replies: [
              {content_type: 'text', title: '付款失败', payload: '/payment_failed'},
              {title: 42, payload: '/x'}]},
            {text: '我是小王', metadata: {sender: 'agent', agent_name: '小王'}},
            {custom: {type: 'agent_message', agent_name: '小李', text: '稍等'}},
            {type: 'rating_request', conversation_id: 'c1'},
            {custom: {type: 'rating_request'}},
            {custom: {data: {type: 'rating_request'}}},
            {attachment: {type: 'image', payload: {src: 'javascript:alert(1)'}}},
            {attachment: {type: 'image', payload: {src: 'https://eepay.example/a.png'}}},
            {}, null, 'text', {text: 5},
          ].map(entryFromPayload);
        }"""
    )
    assert entries[0] == {
        "from": "bot",
        "kind": "text",
        "text": "你好",
        "buttons": [{"title": "付款失败", "payload": "/payment_failed"}],
    }
    assert entries[1]["from"] == "agent" and entries[1]["agentName"] == "小王"
    assert entries[2] == {
        "from": "agent",
        "kind": "text",
        "text": "稍等",
        "buttons": [],
        "agentName": "小李",
    }
    assert entries[3]["kind"] == entries[4]["kind"] == entries[5]["kind"] == "rating"
    assert entries[6] is None
    assert entries[7]["image"] == "https://eepay.example/a.png"
    assert entries[8:] == [None, None, None, None]


def test_history_merge_keeps_both_tabs_messages_once(page: Page):
    merged = page.evaluate(
        """async () => {
          const { mergeMessages } = await import('/widget/history.js');
          const a = [
            {id: 'a1', from: 'user', text: '你好', ts: 1000, origin: 'A'},
            {id: 'b2', from: 'bot', text: '您好', ts: 1500, origin: 'A', rev: 0},
            {id: 'a3', from: 'bot', text: '重复', ts: 9000, origin: 'A'},
            {id: 'a4', from: 'bot', text: '重复', ts: 9100, origin: 'A'},
          ];
          const b = [
            {id: 'b1', from: 'bot', text: '您好', ts: 1510, origin: 'B'},
            {id: 'b2', from: 'bot', text: '您好', ts: 1500, origin: 'A', rev: 1, chosen: 0},
            {id: 'b5', from: 'user', text: '谢谢', ts: 2000, origin: 'B'},
            {junk: true},
          ];
          return mergeMessages(a, b).map(m => [m.id, m.chosen ?? null]);
        }"""
    )
    # b2's newer revision wins over its older one; b1 is the same delivery as b2 seen by tab B
    # and goes (the edited copy stays); a3 and a4 are one tab's own repeats and both stay.
    assert merged == [["a1", None], ["b2", 0], ["b5", None], ["a3", None], ["a4", None]]


def test_history_is_capped_and_expires(page: Page):
    result = page.evaluate(
        """async () => {
          const { ConversationStore } = await import('/widget/history.js');
          localStorage.clear();
          const store = new ConversationStore({ scope: 'u1', maxMessages: 5, maxChars: 2000,
                                                maxAgeMs: 60_000 });
          const many = Array.from({length: 12}, (_, i) =>
            ({id: 'm' + i, from: 'bot', ts: i, text: 'x'.repeat(100)}));
          const kept = store.save({ sessionId: 's1', messages: many, unread: 2 });
          const loaded = store.load();
          const big = Array.from({length: 5}, (_, i) =>
            ({id: 'b' + i, from: 'bot', ts: i, text: 'y'.repeat(800)}));
          const keptBig = store.save({ sessionId: 's1', messages: big, unread: 0 });
          const rawSize = localStorage.getItem(store.key).length;
          const expired = store.load(Date.now() + 61_000);
          localStorage.setItem(store.key, '{not json');
          const broken = store.load();
          const other = new ConversationStore({ scope: 'u2' }).load();
          return { kept: kept.map(m => m.id), loaded: loaded.messages.map(m => m.id),
                   unread: loaded.unread, session: loaded.sessionId, keptBig: keptBig.length,
                   rawSize, expired: expired.sessionId, broken: broken.messages.length,
                   other: other.sessionId };
        }"""
    )
    assert result["kept"] == result["loaded"] == ["m7", "m8", "m9", "m10", "m11"]
    assert (result["unread"], result["session"]) == (2, "s1")
    assert result["keptBig"] < 5 and result["rawSize"] <= 2000
    assert result["expired"] is None
    assert result["broken"] == 0
    assert result["other"] is None  # another customer never sees this conversation


def test_customer_scope_comes_from_the_token_subject(page: Page):
    scopes = page.evaluate(
        """async () => {
          const { tokenSubject, normalizeConfig } = await import('/widget/widget.js');
          const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\\+/g, '-')
            .replace(/\\//g, '_');
          const token = (claims) => b64({alg: 'HS256'}) + '.' + b64(claims) + '.sig';
          return [
            tokenSubject(token({sub: 'u1001', iss: 'eepay'})),
            tokenSubject(token({sub: '../../etc'})),
            tokenSubject('garbage'),
            normalizeConfig({serverUrl: 'http://r', customerToken: token({sub: 'u1005'})})
              .sessionScope,
            normalizeConfig({serverUrl: 'http://r'}).sessionScope,
          ];
        }"""
    )
    assert scopes == ["u1001", None, None, "u1005", "anonymous"]


def test_configuration_defaults_and_validation(page: Page):
    result = page.evaluate(
        """async () => {
          const { normalizeConfig } = await import('/widget/widget.js');
          const plain = normalizeConfig({serverUrl: 'https://rasa.eepay.example:5005/'});
          const prefixed = normalizeConfig(
            {serverUrl: 'https://eepay.example/rasa/', language: 'en-GB', title: '  '});
          const errors = [];
          for (const serverUrl of [undefined, 'javascript:alert(1)', 'ftp://x', 'rasa:5005']) {
            try { normalizeConfig({serverUrl}); } catch (e) { errors.push(serverUrl ?? 'none'); }
          }
          return {
            plain: [plain.serverUrl, plain.socketPath, plain.language, plain.title,
                    plain.initPayload],
            prefixed: [prefixed.serverUrl, prefixed.socketPath, prefixed.language, prefixed.title],
            errors,
          };
        }"""
    )
    # No title configured: the language's own (「eepay 在线客服」/ "eepay Support").
    assert result["plain"] == [
        "https://rasa.eepay.example:5005",
        "/socket.io",
        "zh",
        None,
        "/greet",
    ]
    assert result["prefixed"] == ["https://eepay.example", "/rasa/socket.io", "en", None]
    assert result["errors"] == ["none", "javascript:alert(1)", "ftp://x", "rasa:5005"]


def test_every_ui_string_exists_in_both_languages(page: Page):
    missing = page.evaluate(
        """async () => {
          const { STRINGS } = await import('/widget/i18n.js');
          const keys = (o, p = '') => Object.entries(o).flatMap(([k, v]) =>
            v && typeof v === 'object' && !Array.isArray(v) ? keys(v, p + k + '.') : [p + k]);
          const zh = keys(STRINGS.zh), en = keys(STRINGS.en);
          return [zh.filter(k => !en.includes(k)), en.filter(k => !zh.includes(k))];
        }"""
    )
    assert missing == [[], []]


def test_timestamps_show_time_today_and_date_otherwise(page: Page):
    stamps = page.evaluate(
        """async () => {
          const { formatTime } = await import('/widget/render.js');
          const now = new Date(2026, 10, 26, 15, 0).getTime();
          return [formatTime(new Date(2026, 10, 26, 9, 5).getTime(), 'zh-CN', now),
                  formatTime(new Date(2026, 10, 24, 9, 5).getTime(), 'zh-CN', now),
                  formatTime(new Date(2026, 10, 24, 9, 5).getTime(), 'en-GB', now),
                  formatTime(NaN, 'zh-CN', now)];
        }"""
    )
    assert stamps[0] == "09:05"
    assert "24" in stamps[1] and "09:05" in stamps[1] and "11" in stamps[1]
    assert "Nov" in stamps[2] and "09:05" in stamps[2]
    assert stamps[3] == ""


FAKE_IO = """
  // A stand-in for socket.io-client's io(): records emits, confirms sessions like Rasa.
  window.fake = { emitted: [], handlers: {}, socket: null };
  window.fakeIo = (url, options) => {
    const socket = {
      connected: false,
      on: (event, handler) => { fake.handlers[event] = handler; },
      emit: (event, data) => {
        fake.emitted.push([event, data]);
        if (event === 'session_request') {
          setTimeout(() => fake.handlers.session_confirm(data.session_id || 'session-1'), 5);
        }
      },
      connect() {}, disconnect() {}, close() {},
    };
    fake.socket = socket;
    fake.options = [url, options];
    setTimeout(() => { socket.connected = true; fake.handlers.connect(); }, 5);
    return socket;
  };
  window.tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));
  window.until = async (predicate, ms = 3000) => {
    for (const end = Date.now() + ms; Date.now() < end; await tick(10)) if (predicate()) return;
    throw new Error('timed out waiting for ' + predicate);
  };
"""


def mount(page: Page, config: str) -> None:
    page.evaluate(
        f"""async () => {{
          {FAKE_IO}
          localStorage.clear();
          const {{ ChatWidget }} = await import('/widget/widget.js');
          window.chat = new ChatWidget({config}, fakeIo);
        }}"""
    )


def test_every_message_carries_the_customer_token_and_waits_for_the_session(page: Page):
    mount(page, "{serverUrl: 'http://rasa.example/base', customerToken: 'tok-123'}")
    result = page.evaluate(
        """async () => {
          chat.sendText('我付款失败了');          // before the session is confirmed
          const uttered = () => fake.emitted.filter(e => e[0] === 'user_uttered').length;
          const early = uttered();
          await until(() => uttered() === 1);
          chat.sendText('/payment_guide', '怎么付款');
          await until(() => uttered() === 2);
          return { early, emitted: fake.emitted, options: fake.options };
        }"""
    )
    assert result["early"] == 0, "a message went out before session_confirm"
    assert result["options"][0] == "http://rasa.example"
    assert result["options"][1]["path"] == "/base/socket.io"
    assert result["emitted"][0] == [
        "session_request",
        {"session_id": None, "customer_token": "tok-123"},
    ]
    uttered = [data for event, data in result["emitted"] if event == "user_uttered"]
    metadata = {"customer_token": "tok-123", "language": "zh-Hans"}
    assert uttered == [
        {"message": "我付款失败了", "session_id": "session-1", "metadata": metadata},
        {"message": "/payment_guide", "session_id": "session-1", "metadata": metadata},
    ]


def test_rating_goes_through_a_replaceable_submitter(page: Page):
    mount(
        page,
        """{serverUrl: 'http://r', initPayload: '',
            submitRating: async (rating) => { window.submitted = rating; }}""",
    )
    result = page.evaluate(
        """async () => {
          chat.open();
          await until(() => chat.sessionId);
          fake.handlers.bot_uttered({type: 'rating_request', conversation_id: 'session-1'});
          const root = chat.shadow;
          root.querySelector('.eec-rating input[value="5"]').click();
          root.querySelector('.eec-rating__comment').value = '  很满意  ';
          root.querySelector('.eec-rating__submit').click();
          await until(() => root.querySelector('.eec-rating__thanks'));
          return {
            submitted: window.submitted,
            messages: fake.emitted.filter(e => e[0] === 'user_uttered').length,
            card: root.querySelector('.eec-rating').textContent,
          };
        }"""
    )
    assert result["submitted"] == {"score": 5, "comment": "很满意", "conversationId": "session-1"}
    assert result["messages"] == 0, "a real submitter replaces the chat message"
    assert "感谢您的评价！您给出了 5 分。" in result["card"]


def test_a_failed_rating_submission_keeps_the_form(page: Page):
    mount(
        page,
        """{serverUrl: 'http://r', initPayload: '', language: 'en',
            submitRating: async () => { throw new Error('feedback service down'); }}""",
    )
    result = page.evaluate(
        """async () => {
          chat.open();
          await until(() => chat.sessionId);
          fake.handlers.bot_uttered({custom: {type: 'rating_request'}});
          const root = chat.shadow;
          root.querySelector('.eec-rating input[value="2"]').click();
          root.querySelector('.eec-rating__submit').click();
          await until(() => !root.querySelector('.eec-rating [role=alert]').hidden);
          return {
            error: root.querySelector('.eec-rating [role=alert]').textContent,
            enabled: !root.querySelector('.eec-rating__submit').disabled,
          };
        }"""
    )
    assert result == {"error": "Your rating could not be sent, please try again", "enabled": True}


def test_no_bot_typing_indicator_while_an_agent_is_talking(page: Page):
    mount(page, "{serverUrl: 'http://r', initPayload: ''}")
    shown = page.evaluate(
        """async () => {
          chat.open();
          await until(() => chat.sessionId);
          const typing = chat.shadow.querySelector('.eec-typing');
          chat.sendText('你好');
          await tick();
          const forBot = !typing.hidden;
          fake.handlers.bot_uttered({text: '您好', metadata: {sender: 'agent'}});
          chat.sendText('我的付款失败了');
          await tick();
          return [forBot, !typing.hidden];
        }"""
    )
    assert shown == [True, False]


def test_forget_on_logout_clears_the_device_and_starts_a_new_conversation(page: Page):
    mount(page, "{serverUrl: 'http://r', initPayload: ''}")
    result = page.evaluate(
        """async () => {
          chat.open();
          await until(() => chat.sessionId);
          chat.sendText('我付款失败了');
          const key = Object.keys(localStorage).find(k => k.startsWith('eepay-chat:v1:'));
          const before = JSON.parse(localStorage.getItem(key)).messages.length;
          chat.forget();
          return { before, after: localStorage.getItem(key),
                   shown: chat.shadow.querySelectorAll('.eec-log > li').length,
                   session: chat.sessionId };
        }"""
    )
    assert result["before"] == 1
    assert result["after"] is None
    assert result["shown"] == 0
    assert result["session"] is None


def test_the_bot_can_switch_the_widget_language(page: Page):
    mount(page, "{serverUrl: 'http://r', initPayload: ''}")
    result = page.evaluate(
        """async () => {
          chat.open();
          await until(() => chat.sessionId);
          const root = chat.shadow;
          const texts = () => [root.querySelector('.eec-title').textContent,
                               root.querySelector('.eec-input').placeholder,
                               root.querySelector('.eec').lang];
          const before = texts();
          fake.handlers.bot_uttered({custom: {language: 'en'}, text: 'Sure.'});  // no switch
          const unchanged = texts();
          fake.handlers.bot_uttered({custom: {type: 'language', language: 'en'}});
          chat.sendText('hello');
          const after = texts();
          const sent = fake.emitted.filter(e => e[0] === 'user_uttered').pop()[1].metadata;
          const shown = root.querySelectorAll('.eec-log > li').length;
          return { before, unchanged, after, sent, shown,
                   stored: JSON.parse(localStorage.getItem(chat.store.key)).language };
        }"""
    )
    assert (
        result["before"]
        == result["unchanged"]
        == ["eepay 在线客服", "请输入您的问题，按 Enter 发送", "zh-Hans"]
    )
    assert result["after"] == ["eepay Support", "Type your question…", "en"]
    assert result["sent"] == {"language": "en"}
    assert result["shown"] == 2  # the bot's "Sure." and the customer's "hello"; no control message
    assert result["stored"] == "en"  # a reload keeps the language the bot switched to


def test_a_tab_saves_back_what_another_tabs_write_lost(page: Page):
    # Two tabs saving at once each read the other's entry before it was written: the entry
    # that lands last lacks the other tab's message. The tab that still has it writes the
    # union back, or the tabs would show different conversations until the next message.
    mount(page, "{serverUrl: 'http://r', initPayload: ''}")
    stored = page.evaluate(
        """async () => {
          chat.open();
          await until(() => chat.sessionId);
          fake.handlers.bot_uttered({text: '太好了，能帮到您就好'});
          const key = Object.keys(localStorage).find(k => k.startsWith('eepay-chat:v1:'));
          const mine = chat.messages[chat.messages.length - 1];
          const other = {id: 'zz-other', from: 'bot', text: '方便为本次服务打个分吗？',
                         ts: mine.ts + 5, origin: 'other-tab', rev: 0};
          // the other tab's write, made from an entry read before this tab saved `mine`
          localStorage.setItem(key, JSON.stringify({v: 1, sessionId: chat.sessionId,
              messages: [other], unread: 0, language: null, updatedAt: Date.now()}));
          chat.adopt(chat.store.load());
          const saved = JSON.parse(localStorage.getItem(key)).messages.map(m => m.text);
          chat.adopt(chat.store.load());
          return { saved, shown: chat.messages.map(m => m.text) };
        }"""
    )
    assert stored["saved"] == ["太好了，能帮到您就好", "方便为本次服务打个分吗？"]
    assert stored["shown"] == stored["saved"]

"""What the FAQ bot says, in the buyer widget's languages (a conversation's ``lang``). Data only: the
decisions are ``bot_rules.bot_greeting`` / ``bot_rules.bot_decide``. The English lines name the widget's
"Talk to a person" button, which sends 转人工 in either language."""

from __future__ import annotations

BOT_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "shop": "本店",
        "greet": "您好，我是{shop}的智能助手，发货、退换货、退款、发票等常见问题可以直接问我；"
                 "需要人工客服请随时回复“转人工”。",
        "clarify": "您想问的是下面哪一个？回复序号即可：\n{options}\n都不是的话可以换个说法，或回复“转人工”。",
        "rephrase": "抱歉，我没太明白您的问题，能换个说法再描述一下吗？也可以回复“转人工”。",
        "asked_for_human": "好的，正在为您转接人工客服，请稍候。刚才的对话客服都能看到，您不用再重复描述。",
        "angry": "非常抱歉给您带来不好的体验，马上为您转接人工客服优先处理，请稍候。",
        "low_confidence": "抱歉没能帮上忙，正在为您转接人工客服，请稍候。刚才的对话客服都能看到。",
        "no_answer": "抱歉，这个问题我暂时回答不了，正在为您转接人工客服。",
        "small_talk_greeting": "在的，请问有什么可以帮您？直接说您的问题就好。",
        "small_talk_thanks": "不客气，还有其他问题随时问我。",
    },
    "en": {
        "shop": "this shop",
        "greet": "Hi, I'm the virtual assistant of {shop}. Ask me about shipping, returns and exchanges, refunds "
                 "or invoices; tap “Talk to a person” any time to reach our team.",
        "clarify": "Which of these do you mean? Reply with its number:\n{options}\n"
                   "If none fits, try rewording it, or tap “Talk to a person”.",
        "rephrase": "Sorry, I didn't quite get that. Could you put it another way? "
                    "You can also tap “Talk to a person”.",
        "asked_for_human": "Sure, connecting you to a person now. They can see this chat, "
                           "so you won't need to repeat yourself.",
        "angry": "I'm very sorry about your experience. I'm passing you to a person right away, please hold on.",
        "low_confidence": "Sorry I couldn't help. Connecting you to a person now; they can see this chat.",
        "no_answer": "Sorry, I can't answer that one yet. Connecting you to a person now.",
        "small_talk_greeting": "I'm here. What can I help you with? Just type your question.",
        "small_talk_thanks": "You're welcome. Ask me any time if there's anything else.",
    },
}

"""Starter reply templates (话术) for the "/" picker of a new shop, written for the project.

Each is (scene, shortcut, title, body). {买家称呼} {订单号} {快递单号} {客服名} {店铺名} are filled from the
conversation when the agent picks the template; what the conversation does not know stays for the agent to
fill in before sending.
"""

from __future__ import annotations

TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    ("greeting", "hi", "问候",
     "{买家称呼}您好，这里是{店铺名}，我是客服{客服名}，很高兴为您服务，请问有什么可以帮您？"),
    ("please_wait", "wait", "请稍等",
     "好的，请您稍等，我马上为您查询。"),
    ("please_wait", "cha", "查询订单",
     "收到，我正在查订单 {订单号} 的情况，大约需要 1 分钟，请稍等。"),
    ("logistics", "fh", "已发货",
     "您的订单 {订单号} 已经发出，运单号 {快递单号}，在订单详情里可以查看物流进度，请留意收货电话。"),
    ("logistics", "cui", "催件",
     "已经帮您联系快递催件了。48 小时内物流还没有更新的话，我们直接为您补发或退款。"),
    ("return_policy", "th", "退货说明",
     "签收后 7 天内，商品不影响二次销售的可以无理由退货：在订单里申请售后→退货退款，通过后按页面上的地址寄回"
     "并填写运单号。非质量问题寄回运费由您承担；质量问题或发错货，运费由我们承担。"),
    ("exchange_policy", "hh", "换货说明",
     "签收后 7 天内可以换颜色或尺码（以有库存为准）。非质量原因换货，运费双方各承担一半：您付寄回的运费，"
     "我们付重新寄出的运费。"),
    ("refund_progress", "tk", "退款进度",
     "订单 {订单号} 的退款已经提交，会原路退回：余额一般即时到账，银行卡 1 到 3 个工作日，请您留意。"),
    ("apology", "sorry", "致歉并请照片",
     "非常抱歉给您带来不便。麻烦您拍一下问题部位和外包装的照片发给我，我马上为您处理，相关运费由我们承担。"),
    ("invoice", "fp", "开票信息",
     "可以开发票的。请把发票抬头和税号（个人可以不填税号）发给我，电子发票会在确认收货后开到订单页面。"),
    ("payment_reminder", "pay", "催付",
     "{买家称呼}，您拍下的订单 {订单号} 还没有付款哦，付款后我们会尽快为您安排发货。"),
    ("escalation", "up", "升级主管",
     "您的问题我已经把经过整理好交给主管，主管会尽快联系您，您不需要再重复说明。"),
    ("closing", "bye", "结束语",
     "感谢您的耐心，还有其他问题随时找我们，我是{客服名}，祝您生活愉快！"),
)

"""Pure rules: normalisation, segmentation, entities and PII masking."""

from __future__ import annotations

from kefu.nlu import rules


def texts(spans):
    return [s["text"] for s in spans]


def test_normalize_width_masks_repeats_and_typos():
    assert rules.normalize("ＡＢＣ？？？？？！！") == "abc???!!"
    assert "xnum" in rules.normalize("[数字x]这个是订单号")
    assert rules.normalize("为毛还木有发火") == "为什么还没有发货"
    assert rules.normalize("a\x00b\u200bc") == "a b c"


def test_segmentation_uses_user_dictionary():
    words = rules.segment(rules.normalize("七天无理由退货可以吗，要转人工"))
    assert "七天无理由" in words and "转人工" in words
    assert "xorder" in rules.segment(rules.normalize("[订单x]价保"))


def test_order_and_tracking_numbers():
    e = rules.extract_entities("订单号：123456789012，快递单号SF1234567890123，还有一个 [订单x]")
    assert texts(e["order_numbers"]) == ["123456789012", "[订单x]"]
    assert texts(e["tracking_numbers"]) == ["SF1234567890123"]
    e = rules.extract_entities("运单号 YT9876543210123 查一下，淘宝单 2501011234567890123")
    assert texts(e["tracking_numbers"]) == ["YT9876543210123"]
    assert texts(e["order_numbers"]) == ["2501011234567890123"]
    assert texts(rules.extract_entities("VA[数字x] 到哪了")["tracking_numbers"]) == ["VA[数字x]"]


def test_phone_amount_date_product():
    e = rules.extract_entities("电话13812345678，座机010-12345678，退我99.5元还有两百块，¥35，"
                               "明天或3月5号送，买的蓝牙耳机")
    assert texts(e["phones"]) == ["13812345678", "010-12345678"]
    assert [a["value"] for a in e["amounts"]] == [99.5, 200.0, 35.0]
    assert texts(e["dates"]) == ["明天", "3月5号"]
    assert texts(e["products"]) == ["蓝牙耳机"]
    assert e["phones"][0]["start"] == 2 and e["phones"][0]["end"] == 13


def test_full_width_digits_keep_offsets():
    text = "手机１３８１２３４５６７８"
    e = rules.extract_entities(text)
    span = e["phones"][0]
    assert text[span["start"]:span["end"]] == "１３８１２３４５６７８"


def test_human_request_and_its_negation():
    assert texts(rules.extract_entities("我要转人工！")["human_request"]) == ["转人工"]
    assert rules.extract_entities("人工")["human_request"]
    assert rules.extract_entities("叫你们经理来")["human_request"]
    assert rules.extract_entities("不用转人工了，解决了")["human_request"] == []
    assert rules.extract_entities("这个是人工智能音箱吗")["human_request"] == []


def test_english_widget_buyers_can_ask_for_a_person():
    for text in ("I want to talk to a human", "Can I speak with a real person?", "transfer me to an agent",
                 "Agent please", "HUMAN!", "connect me to someone"):
        assert rules.extract_entities(text)["human_request"], text
    for text in ("I don't need a human, the bot helped", "the agent said it shipped", "where is my parcel",
                 "humane packaging please"):
        assert rules.extract_entities(text)["human_request"] == [], text


def test_mask_phone_id_email_address():
    masked = rules.mask_pii("电话138 1234 5678，身份证11010119900307123X，邮箱abc.d@qq.com")
    assert masked == "电话138****5678，身份证[身份证号]，邮箱[邮箱]"
    assert rules.mask_pii("地址：广东省深圳市南山区科技园南路88号3栋201，谢谢") == "地址：[地址]，谢谢"
    assert rules.mask_pii("请寄到北京市朝阳区建国路88号") == "请寄到[地址]"
    assert rules.mask_pii("我家住在浙江省杭州市西湖区文三路100号") == "我家住在[地址]"
    assert rules.mask_pii("收货地址改为江苏南京玄武区中山路1号") == "收货地址改为[地址]"


def test_mask_leaves_ordinary_text_alone():
    for text in ("我的快递到哪了", "订单号123456789012", "退我99元", ""):
        assert rules.mask_pii(text) == text


def test_abusive_terms_see_through_spacing():
    assert rules.abusive_terms("你 是 傻 * 逼") == ["傻逼"]
    assert rules.abusive_terms("SB客服") == ["sb"]
    assert rules.abusive_terms("usb接口坏了") == []
    assert rules.abusive_terms("滚筒洗衣机怎么用") == []


def test_hash_features_are_stable_and_normalised():
    idx, val = rules.hash_features(rules.feature_names("退款", ["退款"]))
    assert idx == rules.hash_features(rules.feature_names("退款", ["退款"]))[0]
    assert abs(sum(v * v for v in val) - 1.0) < 1e-6
    assert all(0 <= i < rules.DIM for i in idx)

//! Chinese (simplified and traditional where they differ): read, though not answered in.

use super::{Answers, Lexicon};
use crate::domain::{Reason::*, Resolution};
use crate::understanding::Topic;

pub const LEXICON: Lexicon = Lexicon {
    reasons: &[
        (
            DuplicatePurchase,
            2.0,
            &["重复扣款", "重複扣款", "扣了两次", "扣款两次", "扣了兩次", "重复购买", "重複購買", "买了两次"],
        ),
        (DuplicatePurchase, 0.6, &["两次", "兩次"]),
        (
            AccidentalPurchase,
            1.8,
            &["误购", "誤購", "不小心", "买错", "買錯", "自动续费", "自動續費", "自动扣费", "取消后", "已经取消"],
        ),
        (
            TechnicalIssue,
            1.8,
            &["无法登录", "無法登入", "打不开", "打不開", "无法下载", "無法下載", "闪退", "閃退", "报错", "无法播放"],
        ),
        (TechnicalIssue, 1.0, &["错误", "錯誤", "登录", "登入"]),
        (
            NotAsDescribed,
            1.8,
            &["与描述不符", "與描述不符", "货不对板", "太基础", "太基礎", "虚假宣传", "虛假宣傳", "和介绍不一样"],
        ),
        (ChangedMind, 1.8, &["不想要了", "不需要了", "改变主意", "改變主意", "没时间", "沒時間"]),
    ],
    resolutions: &[(Resolution::Refund, 1.0, &["退款", "退钱", "退錢"])],
    topics: &[
        (Topic::RefundPolicy, &["退款政策", "退款规定", "退款規定"]),
        (Topic::RefundTime, &["多久到账", "多久到帳", "多长时间"]),
        (Topic::RefundStatus, &["退款还没到", "退款還沒到", "还没收到退款"]),
    ],
    negators: &[],
    chargeback: &["拒付", "信用卡公司", "银行申诉", "銀行申訴", "支付宝投诉", "支付寶投訴", "争议", "爭議"],
    legal: &["律师", "律師", "起诉", "起訴", "消费者协会", "消費者協會", "法院"],
    insults: &["骗子", "騙子", "傻逼", "混蛋"],
    rude: &["垃圾", "他妈的", "他媽的"],
    at_staff: &["你们", "你們", "你", "客服"],
    at_self: &["我自己", "我的错", "我的錯"],
    answers: Answers {
        yes: &["是", "是的", "好", "好的", "对", "對", "确认", "確認"],
        no: &["不", "不是", "不对", "不對"],
        cancel: &["取消"],
        restart: &["重新开始", "重新開始"],
        skip: &["跳过", "跳過", "没有", "沒有"],
    },
};

//! Korean: read, though not answered in. Particles attach to words, so most phrases are prefixes.

use super::{Answers, Lexicon};
use crate::domain::{Reason::*, Resolution};
use crate::understanding::Topic;

pub const LEXICON: Lexicon = Lexicon {
    reasons: &[
        (DuplicatePurchase, 2.0, &["두 번 결제*", "중복 결제*", "이중 결제*", "두번 결제*"]),
        (DuplicatePurchase, 0.6, &["두 번*", "중복*"]),
        (
            AccidentalPurchase,
            1.8,
            &["실수로*", "잘못 구매*", "잘못 눌러*", "자동 결제*", "자동결제*", "자동 갱신*", "해지했는데*"],
        ),
        (
            TechnicalIssue,
            1.8,
            &[
                "로그인이 안*",
                "로그인 안*",
                "작동하지 않*",
                "작동이 안*",
                "다운로드가 안*",
                "실행이 안*",
                "오류*",
                "에러*",
            ],
        ),
        (NotAsDescribed, 1.8, &["설명과 다*", "광고와 다*", "너무 기초*", "기대와 다*"]),
        (ChangedMind, 1.8, &["필요 없*", "필요없*", "마음이 바뀌*", "시간이 없*"]),
    ],
    resolutions: &[(Resolution::Refund, 1.0, &["환불*"])],
    topics: &[
        (Topic::RefundPolicy, &["환불 정책*", "환불 규정*"]),
        (Topic::RefundTime, &["얼마나 걸리*"]),
        (Topic::RefundStatus, &["환불이 아직*", "아직 환불*"]),
    ],
    negators: &[],
    chargeback: &["카드사*", "차지백*", "은행에*", "이의 제기*"],
    legal: &["변호사*", "소송*", "소비자원*", "고소*"],
    insults: &["사기꾼*", "도둑*", "병신*", "개새끼*"],
    rude: &["씨발*", "쓰레기*", "존나*"],
    at_staff: &["너희*", "당신*", "회사*", "고객센터*"],
    at_self: &["제가*", "내 실수*", "제 실수*"],
    answers: Answers {
        yes: &["네", "예", "응", "좋아요", "맞아요", "확인"],
        no: &["아니요", "아니오", "아니", "틀려요"],
        cancel: &["취소"],
        restart: &["다시 시작"],
        skip: &["건너뛰기", "없어요", "없음"],
    },
};

//! What the demo disagreements are about: fictional but realistic concerns,
//! written once and filed under each policy's own areas of disagreement.
//! `{who}` in a text stands for the case's pseudonymised subject, such as
//! "Child C".

use crate::directory::AgencyKind;

/// The kind of disagreement a story is, which each partnership files under
/// one of its policy's areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    /// Levels of need or thresholds.
    Threshold,
    /// The need for action.
    NeedForAction,
    /// Roles and responsibilities.
    Roles,
    /// Information sharing.
    InformationSharing,
    /// Communication.
    Communication,
    /// Progressing plans.
    Plan,
    /// A Child Protection Conference's decision.
    Conference,
    /// The need for an Adult Protection Case Conference (Isle of Man).
    AdultProtection,
    /// An adult's referral judged below threshold (Isle of Man).
    AdultThreshold,
    /// Sutton's strategic track: quality assurance.
    StrategicQuality,
    /// Sutton's strategic track: learning and development.
    StrategicTraining,
    /// Sutton's strategic track: policy and practice.
    StrategicPolicy,
}

/// Whom a story is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum About {
    /// A child, described as given (age and circumstances).
    Child(&'static str),
    /// A vulnerable adult (Isle of Man only).
    Adult(&'static str),
    /// Nobody in particular: a strategic partnership issue (Sutton §6).
    Nobody,
}

/// One disagreement's content.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Story {
    /// The kind of disagreement.
    pub(crate) topic: Topic,
    /// The agency that raises it.
    pub(crate) raiser: AgencyKind,
    /// The agency whose decision, action or inaction is disputed.
    pub(crate) other: AgencyKind,
    /// Whom it is about.
    pub(crate) about: About,
    /// The decision disputed.
    pub(crate) disputed: &'static str,
    /// The evidence.
    pub(crate) evidence: &'static str,
    /// The outcome sought.
    pub(crate) sought: &'static str,
    /// The outcome agreed, where the case gets that far.
    pub(crate) agreed: &'static str,
    /// How outstanding issues are pursued.
    pub(crate) outstanding: &'static str,
    /// The learning, where some is recorded.
    pub(crate) learning: &'static str,
}

use AgencyKind as K;

/// Disagreements between professionals about a child.
pub(crate) const PROFESSIONAL: &[Story] = &[
    Story {
        topic: Topic::Threshold,
        raiser: K::Education,
        other: K::ChildrensSocialCare,
        about: About::Child("aged 7, in Year 2"),
        disputed: "Children's social care closed the school's referral about {who} with no further action after a screening call.",
        evidence: "{who} has told staff three times this term of being left alone overnight; attendance has fallen to 71%; {who} arrives hungry most mornings.",
        sought: "A child and family assessment, with the school's chronology taken into account.",
        agreed: "Children's social care reopens the referral and completes a child and family assessment within 10 working days; the school shares its chronology today.",
        outstanding: "The school's designated safeguarding lead joins the first planning meeting to agree how attendance is monitored.",
        learning: "Screening decisions did not read the school's chronology: referrers should attach it and screeners should record that they have read it.",
    },
    Story {
        topic: Topic::NeedForAction,
        raiser: K::Health,
        other: K::ChildrensSocialCare,
        about: About::Child("aged 4 months"),
        disputed: "The request for a strategy discussion after a bruise was seen on {who}, a non-mobile baby, was declined.",
        evidence: "A 2 cm bruise on the upper arm seen at a new-birth review; the explanation given changed twice during the visit.",
        sought: "A strategy discussion and a child protection medical, in line with the bruising in non-mobile babies protocol.",
        agreed: "A strategy discussion is held and a child protection medical arranged for tomorrow morning.",
        outstanding: "The health visitor and social worker visit jointly after the medical; the protocol is re-circulated to the front door team.",
        learning: "The bruising protocol was not applied at the front door: its flowchart should be part of screening induction.",
    },
    Story {
        topic: Topic::InformationSharing,
        raiser: K::Police,
        other: K::Health,
        about: About::Child("aged 3, whose mother is 28 weeks pregnant"),
        disputed: "The health service declined to share the mother's relevant antenatal history for a domestic abuse risk assessment about {who}'s household.",
        evidence: "Two call-outs to the home in three weeks; the second report describes a push down the stairs; a MARAC meeting is booked.",
        sought: "The relevant health information shared under the information-sharing agreement before the MARAC meeting.",
        agreed: "The named midwife shares the relevant history before MARAC under the information-sharing agreement, recorded with its lawful basis.",
        outstanding: "The trust's information governance lead confirms the MARAC sharing route in writing for future requests.",
        learning: "Staff were unsure of the lawful basis for sharing with MARAC: a one-page guide is needed for front-line health staff.",
    },
    Story {
        topic: Topic::Roles,
        raiser: K::ChildrensSocialCare,
        other: K::Education,
        about: About::Child("aged 12, in Year 7"),
        disputed: "The school declined to act as lead professional for {who}'s Early Help plan, saying the family needs a social worker.",
        evidence: "The assessment found needs that are educational and emotional, below the threshold for statutory services; the school has the strongest relationship with the family.",
        sought: "The school to take the lead professional role, with Early Help support.",
        agreed: "The school's pastoral lead becomes lead professional, with an Early Help practitioner co-working for the first 12 weeks.",
        outstanding: "The plan is reviewed at 12 weeks; children's social care stays available for consultation.",
        learning: "Lead professional expectations for schools are unclear: the Early Help guidance should say what support schools can expect.",
    },
    Story {
        topic: Topic::Communication,
        raiser: K::Education,
        other: K::Police,
        about: About::Child("aged 9"),
        disputed: "The school was not told of a domestic abuse incident at {who}'s home overnight before the start of the school day.",
        evidence: "{who} arrived distressed and told a teaching assistant that police came at 2am; no notification reached the designated safeguarding lead.",
        sought: "Notifications of incidents involving children to reach the designated safeguarding lead before school starts.",
        agreed: "The police safeguarding hub sends notifications by 8am for overnight incidents, and the school confirms its contact details each term.",
        outstanding: "The hub audits notification times for a month and reports to the partnership.",
        learning: "Out-of-hours incidents were not notified: the notification process needs a named overnight owner.",
    },
    Story {
        topic: Topic::Plan,
        raiser: K::Health,
        other: K::ChildrensSocialCare,
        about: About::Child("aged 2, subject to a child protection plan for neglect"),
        disputed: "The core group for {who}'s child protection plan has not met for ten weeks and its actions are not being progressed.",
        evidence: "Two missed health appointments; weight has dropped below the 9th centile; the nursery place agreed at conference has not started.",
        sought: "A core group meeting within 5 working days and the plan reviewed.",
        agreed: "The core group meets on Thursday; the nursery place starts next week and a paediatric review is booked.",
        outstanding: "The social worker's manager checks core group dates monthly until the review conference.",
        learning: "Core group dates lapsed when the social worker changed: handover checklists should include core group dates.",
    },
    Story {
        topic: Topic::Threshold,
        raiser: K::Police,
        other: K::ChildrensSocialCare,
        about: About::Child("aged 15"),
        disputed: "Children's social care decided that {who}, missing from home three times in a month, does not need a strategy discussion.",
        evidence: "Found each time with older males in another town; a new phone and clothes the family cannot account for; the exploitation screening tool scored high risk.",
        sought: "A strategy discussion under the exploitation pathway.",
        agreed: "A strategy discussion is held under the exploitation pathway and a return home interview completed by an independent worker.",
        outstanding: "The missing and exploitation panel reviews {who}'s case at its next meeting.",
        learning: "The exploitation screening tool's score was not weighed at screening: the pathway should say what score triggers a strategy discussion.",
    },
    Story {
        topic: Topic::NeedForAction,
        raiser: K::Education,
        other: K::Health,
        about: About::Child("aged 14"),
        disputed: "The child and adolescent mental health service declined the referral for {who} after self-harm was disclosed at school.",
        evidence: "Superficial cuts seen by the school nurse on two occasions; {who} says they feel hopeless and have stopped eating lunch.",
        sought: "A mental health assessment, or a written alternative offer of support.",
        agreed: "A mental health practitioner assesses {who} in school within two weeks; the school nurse sees {who} weekly until then.",
        outstanding: "The service writes to the school setting out its criteria for self-harm referrals.",
        learning: "Referral criteria for self-harm were read differently by schools and the mental health service: a joint briefing is needed.",
    },
    Story {
        topic: Topic::Roles,
        raiser: K::Health,
        other: K::Police,
        about: About::Child("aged 11"),
        disputed: "The police declined to attend a joint visit after {who} disclosed sexual abuse to the school nurse.",
        evidence: "The disclosure was recorded verbatim by the school nurse; the person named lives in the home; the strategy discussion agreed a joint visit.",
        sought: "A joint police and social care visit today, as agreed in the strategy discussion.",
        agreed: "A joint visit takes place this afternoon and an achieving best evidence interview is planned.",
        outstanding: "The strategy discussion reconvenes after the interview.",
        learning: "Actions agreed in strategy discussions were not owned by a named officer: minutes should name one for each action.",
    },
    Story {
        topic: Topic::InformationSharing,
        raiser: K::ChildrensSocialCare,
        other: K::Education,
        about: About::Child("aged 6"),
        disputed: "The school has not sent the attendance and welfare information requested for {who}'s child and family assessment.",
        evidence: "Two written requests over three weeks; the assessment is due in 10 working days.",
        sought: "The attendance and welfare records shared this week.",
        agreed: "The school sends the records by Friday and names a contact for future requests.",
        outstanding: "Children's social care adds the school's named contact to its request template.",
        learning: "Requests for information went to a general inbox: schools should give a named safeguarding contact.",
    },
];

/// Disagreements about a vulnerable adult (Isle of Man, IOM-1).
pub(crate) const ADULT: &[Story] = &[
    Story {
        topic: Topic::AdultProtection,
        raiser: K::Health,
        other: K::AdultSocialCare,
        about: About::Adult("aged 78, living with dementia"),
        disputed: "Adult Social Care decided that the concerns about {who} do not need an Adult Protection Case Conference.",
        evidence: "Unexplained bruising on both forearms; a relative controls {who}'s pension and has refused home care; {who} has lost 6 kg in two months.",
        sought: "An Adult Protection Case Conference.",
        agreed: "An Adult Protection Case Conference is convened within 10 working days and a capacity assessment completed before it.",
        outstanding: "The community nurse visits twice weekly until the conference.",
        learning: "Financial abuse indicators were not weighed with physical ones: the adult safeguarding threshold guidance should combine them.",
    },
    Story {
        topic: Topic::AdultThreshold,
        raiser: K::Police,
        other: K::AdultSocialCare,
        about: About::Adult("aged 34, with a learning disability"),
        disputed: "Adult Social Care declined to assess {who} after officers found others using {who}'s flat to deal drugs.",
        evidence: "Officers attended three times in a fortnight; the flat had no heating or food; {who} said the visitors were friends who would hurt them if they left.",
        sought: "A needs assessment and a safeguarding enquiry.",
        agreed: "Adult Social Care opens a safeguarding enquiry and visits jointly with the police this week.",
        outstanding: "The housing provider is asked to a multi-agency meeting about a move.",
        learning: "Cuckooing of adults with care needs was not recognised as abuse: a briefing is needed for screening staff.",
    },
];

/// Disagreements arising from a Child Protection Conference.
pub(crate) const CONFERENCE: &[Story] = &[
    Story {
        topic: Topic::Conference,
        raiser: K::Health,
        other: K::ChildrensSocialCare,
        about: About::Child("aged 18 months"),
        disputed: "The initial child protection conference decided {who} should not be subject to a child protection plan; the health visitor dissents.",
        evidence: "Repeated missed immunisations and developmental checks; a home environment described as unsafe on three visits; the mother's partner's violence history.",
        sought: "A child protection plan under the category of neglect.",
        agreed: "The conference is reconvened and {who} is made subject to a child protection plan under the category of neglect.",
        outstanding: "The core group meets within 10 working days.",
        learning: "Health visiting evidence reached the conference late: reports should be shared two working days before it.",
    },
    Story {
        topic: Topic::Conference,
        raiser: K::Police,
        other: K::ChildrensSocialCare,
        about: About::Child("aged 10"),
        disputed: "The review conference ended {who}'s child protection plan; the police representative dissents.",
        evidence: "The father, convicted of violence, has been seen at the home twice in the last month; the mother denies contact.",
        sought: "The plan to continue until the father's contact is assessed.",
        agreed: "The plan continues for three months while a risk assessment of the father is completed.",
        outstanding: "The review conference is brought forward if the assessment finishes early.",
        learning: "New police intelligence was not shared before the review: conference reports should include a police check within the last week.",
    },
    Story {
        topic: Topic::Conference,
        raiser: K::Education,
        other: K::ChildrensSocialCare,
        about: About::Child("aged 13"),
        disputed: "The conference made {who} subject to a plan under physical abuse; the school believes emotional abuse is the main concern.",
        evidence: "{who}'s disclosures to the school describe constant belittling and threats rather than physical harm; two years of pastoral records.",
        sought: "The category changed to emotional abuse, so the plan addresses it.",
        agreed: "The category is changed to emotional abuse and the plan's outcomes are rewritten at the next core group.",
        outstanding: "The school's records are added to the assessment.",
        learning: "Categories were chosen before schools' evidence was heard: chairs should invite school views before deciding.",
    },
];

/// Sutton's strategic partnership issues (§6): no child, routed to a subgroup.
pub(crate) const STRATEGIC: &[Story] = &[
    Story {
        topic: Topic::StrategicQuality,
        raiser: K::Health,
        other: K::Police,
        about: About::Nobody,
        disputed: "The police have not returned the multi-agency audit data the quality assurance subgroup asked for in the last two quarters.",
        evidence: "Requests in March and June; the audit of strategy discussions cannot report without police figures.",
        sought: "The data returned before the subgroup's next meeting, and a named contact for future audits.",
        agreed: "The police safeguarding hub returns the data within a month and names an audit contact.",
        outstanding: "The subgroup reports the audit to the Board next quarter.",
        learning: "Audit requests had no owner in each agency: the subgroup's terms of reference should name one.",
    },
    Story {
        topic: Topic::StrategicTraining,
        raiser: K::Education,
        other: K::ChildrensSocialCare,
        about: About::Nobody,
        disputed: "This year's multi-agency neglect training has no places for school staff.",
        evidence: "All 120 places were allocated to children's social care and health; 14 schools asked for places.",
        sought: "A share of places for designated safeguarding leads, or an extra session for schools.",
        agreed: "An extra session is run for schools in the spring term, and future places are shared by agency.",
        outstanding: "The learning and development subgroup sets agency quotas for next year.",
        learning: "Training places were allocated first come first served: the subgroup should allocate them by agency.",
    },
    Story {
        topic: Topic::StrategicPolicy,
        raiser: K::Police,
        other: K::ChildrensSocialCare,
        about: About::Nobody,
        disputed: "The threshold document's section on adolescents at risk outside the home is read differently by each agency.",
        evidence: "Four escalations this year turned on it; the section predates the contextual safeguarding model the partnership adopted.",
        sought: "The section rewritten with examples, and agencies briefed on it.",
        agreed: "The policy and practice subgroup rewrites the section with worked examples by the end of the quarter.",
        outstanding: "Agencies brief their front-line staff once it is published.",
        learning: "Threshold guidance lagged behind the partnership's practice model: policies need a review date tied to model changes.",
    },
];

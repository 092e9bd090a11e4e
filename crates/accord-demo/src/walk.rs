//! Walking one demo case through its policy with real commands, as the
//! people in the partnership's directory would: the stage's leads discuss
//! it, managers approve records where the policy asks, forms are filled in
//! before the stages that need them, and the case is escalated, resolved,
//! confirmed, closed or withdrawn. Every event comes from `accord-case`, so
//! the demo obeys the same rules as a real case.

use accord_calendar::Calendar;
use accord_case::{
    ActionDetails, Case, Command, Concern, Context, DiscussionMode, DiscussionRecord, Event,
    Extension, LaterStart, MissingConfirmation, PanelSeat, Participant, Raise, Refusal, Status,
    Subject, SubjectId, Text,
};
use accord_policy::{
    AreaId, FormNeeded, FormSection, Policy, RecordKind, Relation, ResolutionRoute, RoleRef,
    RoleTier, Stage, StageNumber, Track,
};
use jiff::{SignedDuration, Timestamp, ToSpan, civil::Date};

use crate::{
    clock::Clock,
    directory::{Agency, AgencyKind, Directory, Person},
    forms::{Attempt, Filling, fill},
    stories::{About, Story},
};

/// When the next event of a case happens.
#[derive(Debug, Clone, Copy)]
pub(crate) enum When {
    /// On the working day this many working days ago, at its `slot`th
    /// twenty minutes after 09:00.
    Days {
        /// Working days before today.
        ago: u32,
        /// Events already placed that day.
        slot: u32,
    },
    /// Within the last few hours, five minutes apart: for a stage counted
    /// in hours (East Riding's 72-hour adjournment), which working days
    /// are too coarse to keep within its deadline.
    Recent(Timestamp),
}

/// Which side of the disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Raising,
    Other,
}

/// A case being walked.
pub(crate) struct Walk<'a> {
    policy: &'a Policy,
    calendar: &'a Calendar,
    dir: &'a Directory,
    clock: &'a Clock<'a>,
    track: &'a Track,
    story: &'a Story,
    who: String,
    born: Date,
    raiser: &'a Person,
    raising_agency: &'a Agency,
    other_agency: &'a Agency,
    attempts: Vec<Attempt>,
    when: When,
    pub(crate) case: Case,
    pub(crate) events: Vec<Event>,
}

/// What a raise needs beyond the story.
pub(crate) struct Raising<'a> {
    /// The case's id.
    pub(crate) case: accord_case::CaseId,
    /// The track.
    pub(crate) track: &'a Track,
    /// The area of disagreement.
    pub(crate) area: AreaId,
    /// The subject's pseudonym, such as "Child C".
    pub(crate) who: String,
    /// Subject to a Child Protection Plan.
    pub(crate) child_protection_plan: bool,
    /// Looked After.
    pub(crate) looked_after: bool,
    /// At immediate risk of significant harm.
    pub(crate) immediate_risk: bool,
    /// The later stage to start at for immediate risk, where allowed.
    pub(crate) start_at: Option<StageNumber>,
    /// When the raise happens.
    pub(crate) when: When,
}

impl<'a> Walk<'a> {
    /// Raises the case: the story's raising agency's professional, about
    /// the story's other agency.
    pub(crate) fn raise(
        policy: &'a Policy,
        calendar: &'a Calendar,
        dir: &'a Directory,
        clock: &'a Clock<'a>,
        story: &'a Story,
        r: Raising<'a>,
    ) -> Result<Walk<'a>, Refusal> {
        let raising_agency = agency(dir, story.raiser);
        let other_agency = agency(dir, story.other);
        let raiser_tier = match story.about {
            // A strategic issue is raised by the agency's safeguarding lead.
            About::Nobody => RoleTier::SafeguardingLead,
            _ => RoleTier::Practitioner,
        };
        let raiser = dir
            .people
            .iter()
            .find(|p| p.agency == raising_agency.id && p.tier == raiser_tier)
            .expect("every member agency has a person at every agency tier");
        let (description, adult) = match story.about {
            About::Child(d) => (Some(d), false),
            About::Adult(d) => (Some(d), true),
            About::Nobody => (None, false),
        };
        let born = clock
            .working_days_ago(1)
            .checked_sub(age(description.unwrap_or("aged 30")))
            .expect("demo dates stay far inside jiff's range");
        let words = |s: &str| s.replace("{who}", &r.who);
        let subjects = match description {
            Some(_) => vec![Subject {
                id: SubjectId::parse("s1").expect("a valid subject id"),
                name: text(&r.who),
                kind: if adult {
                    accord_policy::SubjectKind::VulnerableAdult
                } else {
                    accord_policy::SubjectKind::Child
                },
                child_protection_plan: r.child_protection_plan,
                looked_after: r.looked_after,
                immediate_risk: r.immediate_risk,
                date_of_birth: None,
                nhs_number: None,
                local_id: None,
            }],
            None => Vec::new(),
        };
        let evidence = match description {
            Some(d) => format!("{} is {d}. {}", r.who, words(story.evidence)),
            None => words(story.evidence),
        };
        let concern = Concern {
            disputed: text(&words(story.disputed)),
            evidence: text(&evidence),
            outcome_sought: text(&words(story.sought)),
        };
        let start_at = r.start_at.map(|stage| LaterStart {
            stage,
            reason: text(
                "The child is at immediate risk of significant harm, so the lower stages are passed over to bring in senior managers today.",
            ),
        });
        let start = start_at
            .as_ref()
            .and_then(|l| r.track.stage(l.stage))
            .unwrap_or_else(|| policy.entry_stage(r.track, &r.area));
        let mut when = r.when;
        let at = next_instant(&mut when, clock);
        let today = at.to_zoned_datetime(calendar.time_zone().clone()).date();
        let filling = Filling {
            today,
            by: raiser,
            raising_agency: &raising_agency.name,
            other_agency: &other_agency.name,
            subject: description.map(|_| (r.who.as_str(), born, adult)),
            concern: &concern,
            attempts: &[],
            officers: &[],
            outcome: None,
        };
        let forms = start
            .forms
            .iter()
            .filter(|f| f.needed == FormNeeded::ToEnter)
            .filter_map(|f| policy.form(&f.form))
            .map(|form| (form.id.clone(), fill(form, &filling, false)))
            .collect();
        let raise = Raise {
            case: r.case,
            track: Some(r.track.id.clone()),
            area: r.area,
            signpost: None,
            other_agency: other_agency.id.clone(),
            other_professional: None,
            subjects,
            concern,
            start_at,
            forms,
        };
        let events = Case::raise(policy, calendar, raise, &Context::new(at, raiser.actor()))?;
        let case = Case::fold(&events).expect("a raise's events fold into a case");
        Ok(Walk {
            policy,
            calendar,
            dir,
            clock,
            track: r.track,
            story,
            who: r.who,
            born,
            raiser,
            raising_agency,
            other_agency,
            attempts: Vec::new(),
            when,
            case,
            events,
        })
    }

    /// The next event's time.
    fn tick(&mut self) -> Timestamp {
        next_instant(&mut self.when, self.clock)
    }

    /// Moves on to the next working day, never reaching today.
    pub(crate) fn next_day(&mut self) {
        match &mut self.when {
            When::Days { ago, slot } if *ago > 1 => {
                *ago -= 1;
                *slot = 0;
            }
            _ => {}
        }
    }

    /// Moves on `days` working days (none: stays on this day), never
    /// reaching today.
    pub(crate) fn advance(&mut self, days: u32) {
        if let When::Days { ago, slot } = &mut self.when
            && days > 0
        {
            *ago = ago.saturating_sub(days).max(1);
            *slot = 0;
        }
    }

    /// Records, as Accord, each deadline of the current stage that has
    /// passed by the next event's time and is not yet on record, as the
    /// job runner does (`Command::RecordBreach`); none if none has.
    pub(crate) fn record_breaches(&mut self) -> u32 {
        let team = self
            .dir
            .agencies
            .iter()
            .find(|a| a.kind == AgencyKind::PartnershipTeam)
            .expect("every demo partnership has its own team");
        let accord = accord_case::Actor {
            person: accord_case::PersonId::parse("accord").expect("a valid person id"),
            agency: team.id.clone(),
            tier: RoleTier::PartnershipTeam,
            roles: Vec::new(),
        };
        let mut recorded = 0;
        loop {
            let ctx = Context::new(self.peek(), accord.clone());
            let Ok(events) =
                self.case
                    .decide(self.policy, self.calendar, Command::RecordBreach, &ctx)
            else {
                return recorded;
            };
            self.tick();
            for event in &events {
                self.case.apply(event);
            }
            self.events.extend(events);
            recorded += 1;
        }
    }

    /// Moves to the working day `ago` working days before today.
    pub(crate) fn on_day(&mut self, ago: u32) {
        self.when = When::Days { ago, slot: 0 };
    }

    /// Decides `command` as `by`, now, and appends what it produces.
    fn run(&mut self, command: Command, by: &Person) -> Result<(), Refusal> {
        // The directory's entries for everyone the command names, as the
        // storage layer looks them up for a real command.
        let people = command
            .people_named()
            .into_iter()
            .filter_map(|(_, id)| self.dir.people.iter().find(|p| &p.id == id))
            .map(Person::directory_entry)
            .collect();
        let ctx = Context {
            people,
            ..Context::new(self.tick(), by.actor())
        };
        let events = self
            .case
            .decide(self.policy, self.calendar, command, &ctx)?;
        for event in &events {
            self.case.apply(event);
        }
        self.events.extend(events);
        Ok(())
    }

    /// The current stage.
    fn stage(&self) -> &'a Stage {
        self.track
            .stage(self.case.stage())
            .expect("the case is at a stage of its track")
    }

    /// Who holds `role` for `side`: in that side's agency, or for a
    /// partnership role anywhere in the partnership.
    fn holder(&self, role: &RoleRef, agency: &Agency) -> Option<&'a Person> {
        let dir = self.dir;
        match role {
            RoleRef::Relation(Relation::Raiser) => Some(self.raiser),
            RoleRef::Relation(Relation::AreaRoute) => self
                .policy
                .areas
                .iter()
                .find(|a| &a.id == self.case.area())
                .and_then(|a| a.routes_to.as_ref())
                .and_then(|to| dir.people.iter().find(|p| p.holds(to))),
            RoleRef::Relation(_) => None,
            _ => dir
                .people
                .iter()
                .find(|p| p.agency == agency.id && p.holds(role))
                .or_else(|| dir.people.iter().find(|p| p.holds(role) && in_team(dir, p))),
        }
    }

    /// The people leading `side` at the current stage, in the order the
    /// policy lists their roles, with the role each leads in.
    fn leads(&self, side: Side) -> Vec<(&'a Person, RoleRef)> {
        let stage = self.stage();
        let (roles, agency) = match side {
            Side::Raising => (&stage.leads.raising, self.raising_agency),
            Side::Other => (&stage.leads.other, self.other_agency),
        };
        let mut out: Vec<(&Person, RoleRef)> = Vec::new();
        for role in roles {
            match self.holder(role, agency) {
                Some(p) if !out.iter().any(|(q, _)| q.id == p.id) => out.push((p, role.clone())),
                _ => {}
            }
        }
        out
    }

    /// Whoever leads the raising side now; the raiser if the policy names
    /// nobody the directory has.
    fn raising_lead(&self) -> &'a Person {
        self.leads(Side::Raising)
            .first()
            .map_or(self.raiser, |(p, _)| *p)
    }

    /// Whoever leads the other side now, or else that agency's manager.
    fn other_lead(&self) -> &'a Person {
        self.leads(Side::Other).first().map_or_else(
            || self.at_tier(self.other_agency, RoleTier::Manager),
            |(p, _)| *p,
        )
    }

    fn at_tier(&self, agency: &Agency, tier: RoleTier) -> &'a Person {
        self.dir
            .people
            .iter()
            .find(|p| p.agency == agency.id && p.tier == tier)
            .expect("every member agency has a person at every agency tier")
    }

    /// Who decides or chairs at the current stage, from an agency not in
    /// dispute where the policy asks for one.
    fn decider(&self) -> Option<&'a Person> {
        let stage = self.stage();
        let roles = if stage.leads.decides.is_empty() {
            &stage.leads.chairs
        } else {
            &stage.leads.decides
        };
        let parties = [&self.raising_agency.id, &self.other_agency.id];
        let uninvolved = stage.leads.decides_from_uninvolved_agency;
        roles.iter().find_map(|role| match role {
            RoleRef::Relation(_) => self.holder(role, self.raising_agency),
            _ => self
                .dir
                .people
                .iter()
                .find(|p| p.holds(role) && !(uninvolved && parties.contains(&&p.agency))),
        })
    }

    /// Records a discussion at the current stage between its leads (and
    /// whoever its requirements say must take part), and approves it where
    /// the stage asks for formally approved records (Sutton §7b).
    fn discuss(&mut self, agreement: bool) -> Result<(), Refusal> {
        let stage = self.stage();
        let mut taking_part: Vec<(&Person, RoleRef)> = self.leads(Side::Raising);
        taking_part.truncate(2);
        taking_part.extend(self.leads(Side::Other).into_iter().take(1));
        // A chair or decider the requirements name is the one `decider()`
        // finds (from an uninvolved agency where the stage asks for one),
        // never a holder of that role inside the disagreeing agencies.
        let presiding: Vec<&RoleRef> = stage
            .leads
            .decides
            .iter()
            .chain(&stage.leads.chairs)
            .collect();
        for with in stage
            .requirements
            .iter()
            .filter_map(|r| r.with.as_ref())
            .filter(|with| !presiding.contains(with))
        {
            for agency in [self.raising_agency, self.other_agency] {
                if let Some(p) = self.holder(with, agency) {
                    taking_part.push((p, with.clone()));
                }
            }
        }
        if let Some(d) = self.decider() {
            let role = presiding
                .iter()
                .find(|r| d.holds(r))
                .map_or(RoleRef::Tier(d.tier), |r| (*r).clone());
            taking_part.push((d, role));
        }
        if taking_part.is_empty() {
            taking_part.push((self.raiser, RoleRef::Tier(self.raiser.tier)));
        }
        taking_part.dedup_by(|a, b| a.0.id == b.0.id);
        let names: Vec<&str> = taking_part.iter().map(|(p, _)| p.name.as_str()).collect();
        let summary = if agreement {
            format!(
                "{} met about {}'s case and agreed: {}",
                names.join(", "),
                self.who,
                self.words(self.story.agreed)
            )
        } else {
            format!(
                "{} discussed {}'s case. {} set out its evidence; {} explained its decision and maintains it. No agreement was reached.",
                names.join(", "),
                self.who,
                self.raising_agency.name,
                self.other_agency.name
            )
        };
        let held_at = self.tick();
        let recorder = self.raising_lead();
        let record = DiscussionRecord {
            held_at,
            how: if taking_part.len() > 2 {
                DiscussionMode::Meeting
            } else {
                DiscussionMode::Phone
            },
            participants: taking_part
                .iter()
                .map(|(p, role)| Participant {
                    person: p.id.clone(),
                    agency: p.agency.clone(),
                    // A relation to the case (Sutton §6's `raiser`) is
                    // nobody's role: they take part in the one they hold.
                    role: match role {
                        RoleRef::Relation(_) => RoleRef::Tier(p.tier),
                        held => held.clone(),
                    },
                })
                .collect(),
            summary: self.text(&summary),
            unlisted_participants: Vec::new(),
            ended_in_agreement: agreement,
        };
        self.run(Command::RecordDiscussion { record }, recorder)?;
        let discussion = self.case.version();
        let on = self.local_date(held_at);
        self.attempts.push(Attempt {
            stage: stage.number.get(),
            on,
            who: names.join(", "),
            outcome: if agreement {
                self.words(self.story.agreed)
            } else {
                "No agreement; escalated.".to_owned()
            },
        });
        if stage
            .requirements
            .iter()
            .any(|r| r.record == RecordKind::ApprovedDiscussion)
        {
            let approver = if recorder.actor().is_manager_or_above() {
                recorder
            } else {
                self.at_tier(self.raising_agency, RoleTier::Manager)
            };
            self.run(
                Command::ApproveDiscussion {
                    discussion,
                    approved_on: on,
                },
                approver,
            )?;
        }
        Ok(())
    }

    /// Completes every form the current stage needs before it ends, the
    /// section for the stage's outcome included, each part by whoever
    /// completes it: the form's own parts by the stage's raising lead, and
    /// each section the form names a role for by a holder of that role,
    /// who submits that section alone (Sutton Appendix 1: the Safeguarding
    /// Advisor signs; the Isle of Man's Director records the outcome).
    fn complete_forms(&mut self, outcome: &str) -> Result<(), Refusal> {
        let stage = self.stage();
        for needed in &stage.forms {
            let Some(form) = self.policy.form(&needed.form) else {
                continue;
            };
            let mut parts: Vec<(&Person, Vec<&FormSection>)> = vec![(
                self.raising_lead(),
                form.sections
                    .iter()
                    .filter(|s| s.completed_by.is_none())
                    .collect(),
            )];
            for section in &form.sections {
                if let Some(by) = section
                    .completed_by
                    .as_ref()
                    .and_then(|role| self.holder(role, self.raising_agency))
                {
                    parts.push((by, vec![section]));
                }
            }
            for (by, sections) in parts {
                let mut values = {
                    let at = self.peek();
                    let officers = self.officers();
                    let officers: Vec<(&str, &str)> = officers
                        .iter()
                        .map(|(n, a)| (n.as_str(), a.as_str()))
                        .collect();
                    fill(
                        form,
                        &self.filling(by, at, self.case.concern(), &officers, Some(outcome)),
                        true,
                    )
                };
                values.0.retain(|id, _| {
                    sections
                        .iter()
                        .any(|s| s.fields.iter().any(|f| &f.id == id))
                });
                if values.0.is_empty() {
                    continue;
                }
                self.run(
                    Command::SubmitForm {
                        form: form.id.clone(),
                        values,
                    },
                    by,
                )?;
            }
        }
        Ok(())
    }

    /// Records the concurrence the current stage needs before it is left,
    /// by a holder of the role it names, of the raising agency where it
    /// says so (Sutton §7c: "If the designated lead concurs with the
    /// concerns of the professional").
    fn concur(&mut self) -> Result<(), Refusal> {
        let stage = self.stage();
        for req in stage
            .requirements
            .iter()
            .filter(|r| r.record == RecordKind::Concurrence)
        {
            let by = req.by.iter().find_map(|role| {
                self.holder(role, self.raising_agency)
                    .filter(|p| !req.by_raising_agency || p.agency == self.raising_agency.id)
            });
            let Some(by) = by else {
                continue;
            };
            let reason = self.text(&format!(
                "I concur: the decision places {} at risk of significant harm, and the safeguarding manager is to be informed in writing.",
                self.who
            ));
            self.run(
                Command::RecordConcurrence {
                    concurs: true,
                    reason,
                },
                by,
            )?;
        }
        Ok(())
    }

    /// The senior officers meeting at this stage, for Appendix A.
    fn officers(&self) -> Vec<(String, String)> {
        [
            (self.raising_lead(), self.raising_agency),
            (self.other_lead(), self.other_agency),
        ]
        .iter()
        .map(|(p, a)| (p.name.clone(), a.name.clone()))
        .collect()
    }

    /// What the current stage needs before it is left for the next: its
    /// discussion, where it asks for one, and its forms, with the outcome
    /// "Not resolved at Stage N; `how` Stage N+1." The current and next
    /// stages, or `None` at the top of the ladder.
    fn leave_stage(&mut self, how: &str) -> Result<Option<(&'a Stage, &'a Stage)>, Refusal> {
        let stage = self.stage();
        let Some(next) = self.track.next_stage(stage.number) else {
            return Ok(None);
        };
        if stage.resolution.contains(&ResolutionRoute::Agreement) || !stage.requirements.is_empty()
        {
            self.discuss(false)?;
        }
        let not_resolved = format!(
            "Not resolved at Stage {}; {how} Stage {}.",
            stage.number, next.number
        );
        self.complete_forms(&not_resolved)?;
        Ok(Some((stage, next)))
    }

    /// Escalates to the next stage: the discussion, approvals and forms the
    /// current stage needs to be left, the forms the next needs to be
    /// entered, then the raising side's lead decides to escalate.
    pub(crate) fn escalate(&mut self) -> Result<(), Refusal> {
        let Some((stage, next)) = self.leave_stage("escalated to")? else {
            return Ok(());
        };
        self.concur()?;
        let by = self.raising_lead();
        for needed in next
            .forms
            .iter()
            .filter(|f| f.needed == FormNeeded::ToEnter)
        {
            let Some(form) = self.policy.form(&needed.form) else {
                continue;
            };
            let at = self.peek();
            let mut values = fill(
                form,
                &self.filling(by, at, self.case.concern(), &[], None),
                false,
            );
            // A section another role completes is left for them (the Isle
            // of Man Director's "outcome of agreed actions").
            values.0.retain(|id, _| {
                form.sections.iter().any(|s| {
                    s.completed_by.as_ref().is_none_or(|r| by.holds(r))
                        && s.fields.iter().any(|f| &f.id == id)
                })
            });
            self.run(
                Command::SubmitForm {
                    form: form.id.clone(),
                    values,
                },
                by,
            )?;
        }
        let reason = format!(
            "Not resolved at {}: {} maintains its decision and {}'s circumstances have not changed.",
            stage.name, self.other_agency.name, self.who
        );
        self.run(
            Command::Escalate {
                to: next.number,
                reason: self.text(&reason),
            },
            by,
        )
    }

    /// Decides to escalate to the next stage before the forms it needs to
    /// be entered are in, so that the escalation waits for them (Isle of
    /// Man Appendix 1: Stages One to Three exhausted, the referral form due
    /// within 5 working days).
    pub(crate) fn decide_to_escalate(&mut self) -> Result<(), Refusal> {
        let Some((stage, next)) = self.leave_stage("to go to")? else {
            return Ok(());
        };
        let reason = format!(
            "{} has been exhausted: {} maintains its decision, and the matter is to be referred to {}.",
            stage.name, self.other_agency.name, next.name
        );
        let by = self.raising_lead();
        self.run(
            Command::Escalate {
                to: next.number,
                reason: self.text(&reason),
            },
            by,
        )
    }

    /// Records a discussion at the current stage that did not end in
    /// agreement: a case being worked.
    pub(crate) fn keep_working(&mut self) -> Result<(), Refusal> {
        self.discuss(false)
    }

    /// Convenes the stage's Resolution Panel: the disputing agencies'
    /// senior officers where they can sit, the partnership's panel member,
    /// and senior officers of other agencies up to the rule's minimum; then
    /// hears `representations` of the parties (the raising agency first).
    pub(crate) fn convene_panel(
        &mut self,
        other_can_sit: bool,
        representations: usize,
    ) -> Result<(), Refusal> {
        let stage = self.stage();
        let Some(rule) = stage.panel.as_ref() else {
            return Ok(());
        };
        let chair = self.decider().unwrap_or_else(|| self.team_person());
        // The agency's officer the policy seats (Havering's HSCP member,
        // Plymouth's Board representative), else its head of service.
        let seats_here =
            |p: &Person| rule.seats.is_empty() || rule.seats.iter().any(|r| p.holds(r));
        let senior = |agency: &Agency| {
            self.dir
                .people
                .iter()
                .find(|p| p.agency == agency.id && !rule.seats.is_empty() && seats_here(p))
                .unwrap_or_else(|| self.at_tier(agency, RoleTier::HeadOfService))
        };
        let mut seats: Vec<&Person> = vec![senior(self.raising_agency)];
        if other_can_sit {
            seats.push(senior(self.other_agency));
        }
        let parties = [&self.raising_agency.id, &self.other_agency.id];
        if let Some(member) = self.dir.people.iter().find(|p| {
            p.tier == RoleTier::PanelMember && !parties.contains(&&p.agency) && seats_here(p)
        }) {
            seats.push(member);
        }
        for agency in self
            .dir
            .agencies
            .iter()
            .filter(|a| a.kind != AgencyKind::PartnershipTeam && !parties.contains(&&a.id))
        {
            let agencies = {
                let mut a: Vec<_> = seats.iter().map(|p| &p.agency).collect();
                a.sort();
                a.dedup();
                a.len()
            };
            if agencies >= usize::from(rule.min_agencies) {
                break;
            }
            if !seats.iter().any(|p| p.agency == agency.id) {
                seats.push(senior(agency));
            }
        }
        let shortfall_reason = (!other_can_sit).then(|| {
            self.text(&format!(
                "{} could not release a senior officer before the panel date; it makes its representation in writing instead.",
                self.other_agency.name
            ))
        });
        self.run(
            Command::ConvenePanel {
                members: seats
                    .iter()
                    .map(|p| PanelSeat {
                        person: p.id.clone(),
                        agency: p.agency.clone(),
                    })
                    .collect(),
                shortfall_reason,
            },
            chair,
        )?;
        let sides = [
            (self.raising_agency, self.case.concern().outcome_sought.clone()),
            (
                self.other_agency,
                self.text("Our decision was made on the information we held then; we will act on what the panel decides."),
            ),
        ];
        for (agency, summary) in sides.into_iter().take(representations) {
            let by = self.at_tier(agency, RoleTier::SeniorManager);
            self.run(
                Command::RecordRepresentation {
                    agency: agency.id.clone(),
                    summary,
                },
                by,
            )?;
        }
        Ok(())
    }

    /// Resolves the case at its current stage by `route` where the stage
    /// allows it, else by the stage's first route: the leads' agreement,
    /// the decider's decision, or the Resolution Panel's.
    pub(crate) fn resolve(&mut self, route: Option<ResolutionRoute>) -> Result<(), Refusal> {
        let stage = self.stage();
        let route = route
            .filter(|r| stage.resolution.contains(r))
            .or_else(|| stage.resolution.first().copied())
            .unwrap_or(ResolutionRoute::Agreement);
        self.discuss(route == ResolutionRoute::Agreement)?;
        let agreed = self.words(self.story.agreed);
        self.complete_forms(&agreed)?;
        if route == ResolutionRoute::Panel && self.case.panel().is_none() {
            self.convene_panel(true, 2)?;
        }
        let by = match route {
            ResolutionRoute::Agreement => self.raising_lead(),
            _ => self.decider().unwrap_or_else(|| self.raising_lead()),
        };
        let outstanding = self.words(self.story.outstanding);
        self.run(
            Command::Resolve {
                route,
                outcome: self.text(&agreed),
                outstanding_issues: self.text(&outstanding),
            },
            by,
        )
    }

    /// Each party confirms the outcome in writing, except the other agency
    /// when `other_confirms` is false, and the case is closed with the
    /// reason its confirmation is missing. A case a final decision closed
    /// needs neither.
    pub(crate) fn close(&mut self, other_confirms: bool) -> Result<(), Refusal> {
        if self.case.status() != Status::Resolved {
            return Ok(());
        }
        let raising = self.raising_lead();
        let other = self.other_lead();
        self.run(
            Command::ConfirmOutcome {
                statement: self.text(&format!(
                    "{} confirms the agreed outcome by email to the other agency.",
                    self.raising_agency.name
                )),
            },
            raising,
        )?;
        let mut missing = Vec::new();
        if other_confirms {
            self.run(
                Command::ConfirmOutcome {
                    statement: self.text(&format!(
                        "{} confirms the agreed outcome and its actions by email.",
                        self.other_agency.name
                    )),
                },
                other,
            )?;
        } else {
            missing.push(MissingConfirmation {
                agency: self.other_agency.id.clone(),
                reason: self.text(&format!(
                    "{} accepted the outcome at the meeting and has begun its actions; its written confirmation was asked for twice and has not come.",
                    self.other_agency.name
                )),
            });
        }
        self.run(
            Command::Close {
                missing_confirmations: missing,
            },
            raising,
        )
    }

    /// The partnership team records learning under the policy's `nth`
    /// theme, forwarded where the policy says, if it names any themes.
    pub(crate) fn record_learning(&mut self, nth: usize) -> Result<(), Refusal> {
        let learning = &self.policy.learning;
        let Some(theme) = learning.themes.get(nth % learning.themes.len().max(1)) else {
            return Ok(());
        };
        let forwarded_to = learning
            .forward_to
            .get(nth % learning.forward_to.len().max(1))
            .map(|g| g.id.clone());
        let by = self.team_person();
        self.run(
            Command::RecordLearning {
                theme: theme.id.clone(),
                forwarded_to,
                note: self.text(self.story.learning),
            },
            by,
        )
    }

    /// The learning just recorded is followed up: the holder of the role
    /// of the group it went to (or the partnership team) agrees to act on
    /// it within four weeks, and for an even `nth` does so three weeks
    /// later. Nothing if no learning is on record.
    pub(crate) fn follow_up_learning(&mut self, nth: usize) -> Result<(), Refusal> {
        let Some(learning) = self.case.learning().last() else {
            return Ok(());
        };
        let sequence = learning.sequence;
        let owner = learning
            .forwarded_to
            .as_ref()
            .and_then(|g| self.policy.learning.group(g))
            .and_then(|g| g.role.as_ref())
            .and_then(|role| self.dir.people.iter().find(|p| p.holds(role)))
            .unwrap_or_else(|| self.team_person());
        let theme = self
            .policy
            .learning
            .theme(&learning.theme)
            .map_or("the learning", |t| t.label.as_str())
            .to_lowercase();
        let recorded = self
            .events
            .last()
            .map_or_else(Timestamp::now, |e| e.at)
            .to_zoned_datetime(self.calendar.time_zone().clone())
            .date();
        let by = self.team_person();
        self.run(
            Command::AgreeFollowUp {
                learning: sequence,
                details: ActionDetails {
                    who: owner.id.clone(),
                    agency: owner.agency.clone(),
                    what: text(&format!(
                        "Take the learning to the next meeting and agree what changes: {theme}."
                    )),
                    by_when: recorded.saturating_add(28.days()),
                },
            },
            by,
        )?;
        if nth.is_multiple_of(2) {
            let follow_up = self.case.version();
            self.advance(15);
            self.run(
                Command::CompleteFollowUp {
                    follow_up,
                    note: Some(text(
                        "Discussed at the meeting; the change is agreed and in the minutes.",
                    )),
                },
                owner,
            )?;
        }
        Ok(())
    }

    /// The raiser withdraws the disagreement.
    pub(crate) fn withdraw(&mut self) -> Result<(), Refusal> {
        let reason = format!(
            "{} shared its assessment, which answers the concern; {} agrees no further escalation is needed.",
            self.other_agency.name, self.raising_agency.name
        );
        self.run(
            Command::Withdraw {
                reason: self.text(&reason),
            },
            self.raiser,
        )
    }

    /// The raising side's lead, a manager or above, gives the current stage
    /// more time with a recorded reason (DESIGN.md §3).
    pub(crate) fn extend(&mut self, working_days: u32) -> Result<(), Refusal> {
        let lead = self.raising_lead();
        let by = if lead.actor().is_manager_or_above() {
            lead
        } else {
            self.at_tier(self.raising_agency, RoleTier::Manager)
        };
        let days = accord_calendar::WorkingDays::new(working_days)
            .expect("the demo extends by at least one working day");
        let reason = format!(
            "{}'s senior manager is on leave until next week; both sides agreed more time rather than escalate without them.",
            self.other_agency.name
        );
        self.run(
            Command::ExtendDeadline {
                by: Extension::WorkingDays(days),
                reason: self.text(&reason),
            },
            by,
        )
    }

    /// The partnership team's Business Manager (or equivalent).
    fn team_person(&self) -> &'a Person {
        self.dir
            .people
            .iter()
            .find(|p| p.tier == RoleTier::PartnershipTeam)
            .expect("every demo partnership has a partnership team")
    }

    /// The time the next event will have, without using it up.
    fn peek(&self) -> Timestamp {
        match self.when {
            When::Days { ago, slot } => self.clock.at(ago, slot),
            When::Recent(at) => at,
        }
    }

    fn local_date(&self, at: Timestamp) -> Date {
        at.to_zoned_datetime(self.calendar.time_zone().clone())
            .date()
    }

    fn filling<'f>(
        &'f self,
        by: &'f Person,
        at: Timestamp,
        concern: &'f Concern,
        officers: &'f [(&'f str, &'f str)],
        outcome: Option<&'f str>,
    ) -> Filling<'f> {
        let adult = matches!(self.story.about, About::Adult(_));
        Filling {
            today: self.local_date(at),
            by,
            raising_agency: &self.raising_agency.name,
            other_agency: &self.other_agency.name,
            subject: (!matches!(self.story.about, About::Nobody)).then_some((
                self.who.as_str(),
                self.born,
                adult,
            )),
            concern,
            attempts: &self.attempts,
            officers,
            outcome,
        }
    }

    /// A story's words about this case's subject.
    fn words(&self, s: &str) -> String {
        s.replace("{who}", &self.who)
    }

    /// Free text for the record about this case's subject.
    fn text(&self, s: &str) -> Text {
        text(&self.words(s))
    }
}

/// Free text for the record; the demo's texts are never blank.
fn text(s: &str) -> Text {
    Text::parse(s).expect("demo texts are not blank")
}

/// The instant `when` stands for, moving it on to the next event's.
fn next_instant(when: &mut When, clock: &Clock<'_>) -> Timestamp {
    match when {
        When::Days { ago, slot } => {
            let at = clock.at(*ago, *slot);
            *slot += 1;
            at
        }
        When::Recent(at) => {
            let now = *at;
            *at = now
                .checked_add(SignedDuration::from_mins(5))
                .expect("demo instants stay far inside jiff's range")
                .min(clock.now());
            now
        }
    }
}

/// The partnership's member agency of `kind`.
fn agency(dir: &Directory, kind: AgencyKind) -> &Agency {
    dir.agencies
        .iter()
        .find(|a| a.kind == kind)
        .unwrap_or(&dir.agencies[0])
}

fn in_team(dir: &Directory, p: &Person) -> bool {
    dir.agencies
        .iter()
        .any(|a| a.id == p.agency && a.kind == AgencyKind::PartnershipTeam)
}

/// The age in a description such as "aged 4 months" or "aged 78, living
/// with dementia".
fn age(description: &str) -> jiff::Span {
    let mut words = description
        .split(|c: char| c.is_whitespace() || c == ',')
        .skip_while(|w| *w != "aged")
        .skip(1);
    let n: i64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(30);
    match words.next() {
        Some(unit) if unit.starts_with("month") => jiff::Span::new().months(n).days(12),
        _ => jiff::Span::new().years(n).months(3),
    }
}

/**
 * Certificate policy processing (RFC 5280 §6.1.2 (a)(d)(e)(f), §6.1.3 (d)-(f), §6.1.4 (a)(b)
 * (h)-(j), §6.1.5 (a)(b)(g)): the valid_policy_tree with policy mappings, requireExplicitPolicy,
 * inhibitPolicyMapping and inhibitAnyPolicy, and the caller's initial policy set. Node count is
 * charged to the budget (policy-mapping trees can grow exponentially, CVE-2023-0464).
 */
import { OID } from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import type { Budget } from './budget.js';
import type { PolicyResult } from './report.js';
import { isSelfIssued } from './names.js';

/** anyPolicy (RFC 5280 §4.2.1.4), OID 2.5.29.32.0. */
export const ANY_POLICY = OID.anyPolicy;

interface PolicyNode {
  depth: number;
  validPolicy: string;
  expected: Set<string>;
  parent: PolicyNode | null;
  children: PolicyNode[];
}

/**
 * The policy inputs of path validation (RFC 5280 §6.1.1 c, e, f, g): initial policy set and the three initial
 * inhibit flags.
 */
export interface PolicyInputs {
  /** user-initial-policy-set; default {anyPolicy}. */
  initialPolicies?: readonly string[];
  /** initial-explicit-policy (RFC 5280 §6.1.1 (g)); default false. */
  initialExplicitPolicy?: boolean;
  /** initial-policy-mapping-inhibit (RFC 5280 §6.1.1 (e)); default false. */
  initialPolicyMappingInhibit?: boolean;
  /** initial-any-policy-inhibit (RFC 5280 §6.1.1 (f)); default false. */
  initialAnyPolicyInhibit?: boolean;
}

export type PolicyFailure = { index: number; detail: string };

/**
 * Runs policy processing over `certs` (the path without the anchor, ordered from the certificate
 * issued by the anchor down to the leaf, i.e. RFC 5280's 1..n). `anchor` supplies initial
 * constraints when the anchor certificate is enforced (its policyConstraints and inhibitAnyPolicy
 * count as if processed at position 0).
 */
export class PolicyProcessor {
  private root: PolicyNode | null;
  private explicitPolicy: number;
  private policyMapping: number;
  private inhibitAny: number;
  private readonly n: number;
  private readonly initial: Set<string>;
  private readonly budget: Budget;
  private authoritySet: string[] = [];

  constructor(n: number, inputs: PolicyInputs, budget: Budget, anchor?: Certificate) {
    this.n = n;
    this.budget = budget;
    this.initial = new Set(
      inputs.initialPolicies && inputs.initialPolicies.length > 0 ? inputs.initialPolicies : [ANY_POLICY],
    );
    this.root = {
      depth: 0,
      validPolicy: ANY_POLICY,
      expected: new Set([ANY_POLICY]),
      parent: null,
      children: [],
    };
    this.explicitPolicy = inputs.initialExplicitPolicy ? 0 : n + 1;
    this.policyMapping = inputs.initialPolicyMappingInhibit ? 0 : n + 1;
    this.inhibitAny = inputs.initialAnyPolicyInhibit ? 0 : n + 1;
    if (anchor) {
      const pc = anchor.policyConstraints;
      if (pc?.requireExplicitPolicy !== undefined)
        this.explicitPolicy = Math.min(this.explicitPolicy, pc.requireExplicitPolicy);
      if (pc?.inhibitPolicyMapping !== undefined)
        this.policyMapping = Math.min(this.policyMapping, pc.inhibitPolicyMapping);
      if (anchor.inhibitAnyPolicy !== undefined)
        this.inhibitAny = Math.min(this.inhibitAny, anchor.inhibitAnyPolicy);
    }
  }

  private nodesAt(depth: number): PolicyNode[] {
    const out: PolicyNode[] = [];
    const walk = (nd: PolicyNode) => {
      if (nd.depth === depth) out.push(nd);
      else for (const c of nd.children) walk(c);
    };
    if (this.root) walk(this.root);
    return out;
  }

  private addChild(parent: PolicyNode, validPolicy: string, expected: Set<string>): PolicyNode {
    this.budget.consume('policyNodes');
    const nd: PolicyNode = { depth: parent.depth + 1, validPolicy, expected, parent, children: [] };
    parent.children.push(nd);
    return nd;
  }

  private remove(nd: PolicyNode): void {
    if (!nd.parent) {
      this.root = null;
      return;
    }
    nd.parent.children = nd.parent.children.filter((c) => c !== nd);
  }

  /** Deletes nodes of depth < `depth` that have no children, repeatedly. */
  private prune(depth: number): void {
    const walk = (nd: PolicyNode): boolean => {
      nd.children = nd.children.filter(walk);
      return nd.depth >= depth || nd.children.length > 0;
    };
    if (this.root && !walk(this.root)) this.root = null;
  }

  /**
   * Processes certificate i (1-based) of n. Returns a failure if the certificate is invalid for
   * policy reasons (an explicit policy is required and the tree is empty, anyPolicy in a mapping).
   */
  process(i: number, cert: Certificate): PolicyFailure | null {
    const isLast = i === this.n;
    const selfIssued = isSelfIssued(cert);
    const policies = cert.certificatePolicies;
    // 6.1.3 (d)
    if (policies && this.root) {
      const parents = this.nodesAt(i - 1);
      let anyQualifier = false;
      for (const p of policies) {
        if (p.policyIdentifier === ANY_POLICY) {
          anyQualifier = true;
          continue;
        }
        const matched = parents.filter((nd) => nd.expected.has(p.policyIdentifier));
        if (matched.length > 0)
          for (const nd of matched) this.addChild(nd, p.policyIdentifier, new Set([p.policyIdentifier]));
        else
          for (const nd of parents.filter((x) => x.validPolicy === ANY_POLICY))
            this.addChild(nd, p.policyIdentifier, new Set([p.policyIdentifier]));
      }
      if (anyQualifier && (this.inhibitAny > 0 || (!isLast && selfIssued))) {
        for (const nd of parents) {
          const have = new Set(nd.children.map((c) => c.validPolicy));
          for (const e of nd.expected) if (!have.has(e)) this.addChild(nd, e, new Set([e]));
        }
      }
      this.prune(i);
    } else if (!policies) {
      // 6.1.3 (e)
      this.root = null;
    }
    // 6.1.3 (f)
    if (this.explicitPolicy === 0 && !this.root) {
      return { index: i, detail: 'an explicit policy is required but no acceptable policy remains' };
    }
    if (isLast) return null;

    // 6.1.4 (a)(b)
    const mappings = cert.policyMappings;
    if (mappings) {
      for (const m of mappings) {
        if (m.issuerDomainPolicy === ANY_POLICY || m.subjectDomainPolicy === ANY_POLICY) {
          return { index: i, detail: 'policy mapping to or from anyPolicy' };
        }
      }
      const byIssuer = new Map<string, Set<string>>();
      for (const m of mappings) {
        const s = byIssuer.get(m.issuerDomainPolicy) ?? new Set<string>();
        s.add(m.subjectDomainPolicy);
        byIssuer.set(m.issuerDomainPolicy, s);
      }
      if (this.policyMapping > 0) {
        const atI = this.nodesAt(i);
        for (const [idp, sdps] of byIssuer) {
          const hits = atI.filter((nd) => nd.validPolicy === idp);
          if (hits.length > 0) for (const nd of hits) nd.expected = new Set(sdps);
          else {
            const any = atI.find((nd) => nd.validPolicy === ANY_POLICY);
            if (any?.parent) this.addChild(any.parent, idp, new Set(sdps));
          }
        }
      } else {
        for (const nd of this.nodesAt(i)) if (byIssuer.has(nd.validPolicy)) this.remove(nd);
        this.prune(i);
      }
    }
    // 6.1.4 (h)-(j)
    if (!selfIssued) {
      if (this.explicitPolicy > 0) this.explicitPolicy--;
      if (this.policyMapping > 0) this.policyMapping--;
      if (this.inhibitAny > 0) this.inhibitAny--;
    }
    const pc = cert.policyConstraints;
    if (pc?.requireExplicitPolicy !== undefined)
      this.explicitPolicy = Math.min(this.explicitPolicy, pc.requireExplicitPolicy);
    if (pc?.inhibitPolicyMapping !== undefined)
      this.policyMapping = Math.min(this.policyMapping, pc.inhibitPolicyMapping);
    if (cert.inhibitAnyPolicy !== undefined)
      this.inhibitAny = Math.min(this.inhibitAny, cert.inhibitAnyPolicy);
    return null;
  }

  /** Wrap-up (6.1.5 (a)(b)(g)) after the leaf. Returns the result, with a failure if any. */
  finish(leaf: Certificate): { result: PolicyResult; failure: PolicyFailure | null } {
    const n = this.n;
    if (this.explicitPolicy > 0) this.explicitPolicy--;
    if (leaf.policyConstraints?.requireExplicitPolicy === 0) this.explicitPolicy = 0;
    this.authoritySet = this.topPolicies();
    // (g) intersection with the user-initial-policy-set
    if (this.root && !this.initial.has(ANY_POLICY)) {
      const vpns: PolicyNode[] = [];
      const walk = (nd: PolicyNode) => {
        for (const c of nd.children) {
          if (nd.validPolicy === ANY_POLICY && c.validPolicy !== ANY_POLICY) vpns.push(c);
          else if (c.validPolicy === ANY_POLICY) walk(c);
        }
      };
      walk(this.root);
      for (const nd of vpns) if (!this.initial.has(nd.validPolicy)) this.remove(nd);
      const anyLeaf = this.nodesAt(n).find((nd) => nd.validPolicy === ANY_POLICY);
      if (anyLeaf?.parent) {
        const have = new Set(vpns.filter((v) => this.initial.has(v.validPolicy)).map((v) => v.validPolicy));
        for (const p of this.initial) if (!have.has(p)) this.addChild(anyLeaf.parent, p, new Set([p]));
        this.remove(anyLeaf);
      }
      this.prune(n);
    }
    const user = this.root ? this.topPolicies() : [];
    const result: PolicyResult = {
      authorityConstrainedPolicies: this.authoritySet,
      userConstrainedPolicies: user,
      treeNonEmpty: this.root !== null,
      explicitPolicyRequired: this.explicitPolicy === 0,
    };
    const failure =
      this.explicitPolicy === 0 && !this.root
        ? { index: n, detail: 'an explicit policy is required but the valid policy tree is empty' }
        : null;
    return { result, failure };
  }

  /**
   * Policies of the tree in the anchor's domain: for each branch, the first node below the chain of
   * anyPolicy nodes from the root; anyPolicy itself if a pure-anyPolicy branch reaches depth n.
   */
  private topPolicies(): string[] {
    if (!this.root) return [];
    const out = new Set<string>();
    const n = this.n;
    const walk = (nd: PolicyNode) => {
      if (nd.validPolicy !== ANY_POLICY) {
        if (this.reaches(nd, n)) out.add(nd.validPolicy);
        return;
      }
      if (nd.depth === n) {
        out.add(ANY_POLICY);
        return;
      }
      for (const c of nd.children) walk(c);
    };
    walk(this.root);
    return [...out].sort();
  }

  private reaches(nd: PolicyNode, depth: number): boolean {
    if (nd.depth === depth) return true;
    return nd.children.some((c) => this.reaches(c, depth));
  }
}

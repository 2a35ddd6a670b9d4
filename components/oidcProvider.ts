import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { issuerHostPath, issuerHostPathFromProviderArn, OidcTrustTarget, STS_AUDIENCE } from "../iam/identity";
import { OIDC_PROVIDER_COMPONENT_TYPE } from "./typeTokens";

export interface ClusterOidcProviderArgs {
    /** The cluster's OIDC issuer (`https://oidc.eks.<region>.amazonaws.com/id/<ID>`), as the cluster reports it. */
    issuerUrl: string;
    /** ARN of an existing IAM OIDC provider to adopt as it is (e.g. made by `eksctl`); then nothing is created. */
    existingProviderArn?: string;
    /** Server certificate thumbprints; IAM no longer needs them for EKS issuers, so the default is none. */
    thumbprints?: string[];
    /** Tags for a created provider. */
    tags?: Record<string, string>;
}

/**
 * The cluster's IAM OIDC identity provider: created for the issuer with client id `sts.amazonaws.com`, or adopted
 * from an ARN. Exposes the condition-key prefix (issuer host/path) that every trust policy uses, computed once.
 */
export class ClusterOidcProvider extends pulumi.ComponentResource {
    /** ARN of the IAM OIDC provider: the `Federated` principal of every trust policy. */
    public readonly arn: pulumi.Output<string>;
    /** The issuer URL (`https://...`). */
    public readonly issuerUrl: pulumi.Output<string>;
    /** Issuer host/path without scheme: the prefix of the `:aud` and `:sub` condition keys. */
    public readonly issuerHostPath: pulumi.Output<string>;
    /** ARN and issuer host/path together: what every web-identity trust policy needs, resolved once. */
    public readonly trustTarget: pulumi.Output<OidcTrustTarget>;

    constructor(name: string, args: ClusterOidcProviderArgs, opts?: pulumi.ComponentResourceOptions) {
        super(OIDC_PROVIDER_COMPONENT_TYPE, name, {}, opts);

        this.issuerUrl = pulumi.output(args.issuerUrl);
        if (args.existingProviderArn) {
            this.arn = pulumi.output(args.existingProviderArn);
            this.issuerHostPath = pulumi.output(issuerHostPathFromProviderArn(args.existingProviderArn));
        } else {
            const provider = new aws.iam.OpenIdConnectProvider(
                name,
                {
                    url: args.issuerUrl,
                    clientIdLists: [STS_AUDIENCE],
                    ...(args.thumbprints?.length ? { thumbprintLists: args.thumbprints } : {}),
                    tags: args.tags,
                },
                { parent: this },
            );
            this.arn = provider.arn;
            this.issuerHostPath = pulumi.output(issuerHostPath(args.issuerUrl));
        }
        this.trustTarget = pulumi.all([this.arn, this.issuerHostPath]).apply(([providerArn, hostPath]) => ({ providerArn, issuerHostPath: hostPath }));
        this.registerOutputs({ arn: this.arn, issuerUrl: this.issuerUrl, issuerHostPath: this.issuerHostPath });
    }
}

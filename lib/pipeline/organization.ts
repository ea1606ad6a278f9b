import type {
  CrossbeamClient,
  CrossbeamOrganization,
} from '../crossbeam/client';
import { ConfigurationError, CrossbeamApiError } from '../errors';
import type { Logger } from '../log';

/** Retries of the organizations list, narrower than a page's. */
const CHECK_RETRY = { maxAttempts: 2, maxRetryTimeMs: 10_000 };

/** Organizations named in the error, at most. */
const SHOWN_ORGANIZATIONS = 20;

/**
 * Returns `text` with control, format (bidi) and line separator characters
 * replaced, for one line of output.
 */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ');
}

function describe(organization: CrossbeamOrganization): string {
  const uuid = printable(organization.uuid);
  return organization.name ? `${uuid} (${printable(organization.name)})` : uuid;
}

/**
 * Checks that the client's organization is one the token may act for, so
 * that a wrong uuid fails once, naming the organizations to choose from,
 * rather than once per stream with the API's 403. When the API fails to
 * list them, logs a warning and leaves the check to the run's own requests.
 */
export async function verifyOrganization(
  client: CrossbeamClient,
  logger: Logger,
): Promise<void> {
  let organizations: CrossbeamOrganization[];
  try {
    // A short retry budget: on failure the run goes on without the check.
    organizations = await client.fetchOrganizations(CHECK_RETRY);
  } catch (error) {
    // An API failure, rejected credentials included, is left to the run,
    // which records it per stream. Anything else, such as a rotated
    // refresh token that could not be saved, is raised.
    if (!(error instanceof CrossbeamApiError)) throw error;
    logger.warn(
      'Listing the organizations this token may act for failed, so the run starts without checking CROSSBEAM_ORGANIZATION.',
      { error },
    );
    return;
  }

  const configured = client.organization;
  if (organizations.some((item) => item.uuid === configured)) return;
  if (organizations.length === 0) {
    logger.warn(
      'GET /v1/users/me lists no organization for this token, so the run starts without checking CROSSBEAM_ORGANIZATION.',
    );
    return;
  }

  // The API compares the header as sent, so a uuid in other letter case
  // is still wrong.
  const otherCase = organizations.find(
    (item) => item.uuid.toLowerCase() === configured.toLowerCase(),
  );
  if (otherCase) {
    throw new ConfigurationError(
      `Organization ${JSON.stringify(configured)} (CROSSBEAM_ORGANIZATION or --organization) differs in letter case from ${JSON.stringify(printable(otherCase.uuid))}, as the token's organizations list it. Set it exactly as listed.`,
    );
  }
  const listed = organizations.slice(0, SHOWN_ORGANIZATIONS).map(describe);
  const more = organizations.length - listed.length;
  throw new ConfigurationError(
    `Organization ${JSON.stringify(configured)} (CROSSBEAM_ORGANIZATION or --organization) is not one this token may act for. Set it to one of: ${listed.join(', ')}${more > 0 ? `, and ${more} more` : ''}.`,
  );
}

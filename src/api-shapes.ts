/**
 * The checks of the answers this app reads, made of the core's building blocks. Untrusted JSON
 * becomes typed data here or is refused with `BAD_RESPONSE`; nothing unchecked reaches the views.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/
 */
import { bad, optionalText, readEnvelope, record, safeLink, text, type Page } from 'bitbucket-browser-auth';

/** The signed-in user, as far as the app shows it. */
export interface User {
  display_name: string;
}

/** A workspace the user can access. `/user/workspaces` carries no name: see {@link Repository}. */
export interface Workspace {
  slug: string;
}

/** A repository, reduced to what the list shows (the wire names are Bitbucket's). */
export interface Repository {
  name: string;
  /** `workspace/slug`: unique, so it also serves as the repository's key. */
  full_name: string;
  is_private: boolean;
  language: string;
  description: string;
  updated_on: string;
  /** `links.html.href` when it is a link the app may render; null otherwise. */
  html_href: string | null;
  workspace: { slug: string; name: string };
}

/** The fields the repository list asks for: everything it shows and nothing more. */
export const REPOSITORY_FIELDS = [
  'next',
  'size',
  'page',
  'pagelen',
  'values.name',
  'values.full_name',
  'values.is_private',
  'values.language',
  'values.description',
  'values.updated_on',
  'values.links.html.href',
  'values.workspace.slug',
  'values.workspace.name',
].join(',');

/** The fields the workspace list asks for. */
export const WORKSPACE_FIELDS = 'next,values.workspace.slug';

/** Checks `GET /user`. */
export function parseUser(json: unknown, path = '/user'): User {
  return { display_name: text(record(json, path).display_name, path) };
}

/** Checks a page envelope and each of its values. */
export function parsePage<T>(json: unknown, path: string, parseValue: (value: unknown, path: string) => T): Page<T> {
  const page = readEnvelope(json, path);
  return { ...page, values: page.values.map((value) => parseValue(value, path)) };
}

/** Checks one item of `GET /user/workspaces` (a `workspace_access`). */
export function parseWorkspaceAccess(json: unknown, path: string): Workspace {
  const slug = text(record(record(json, path).workspace, path).slug, path);
  // One path segment, and not `.` or `..`, which a URL would resolve to another endpoint.
  return /^(?!\.\.?$)[\w.-]+$/.test(slug) ? { slug } : bad(path);
}

/** The characters of a description that are kept (the list shows 400). */
export const DESCRIPTION_KEPT = 500;

/**
 * Makes the repository checker. `linkProtocols` are the schemes a repository link may have
 * (`https:`, plus the API's own scheme): any other link, `javascript:` above all, is dropped.
 * The OpenAPI description does not promise `workspace`: without one, a repository belongs to
 * `listedUnder`, the workspace whose list it came in.
 */
export function repositoryParser(linkProtocols: readonly string[]) {
  return (json: unknown, path: string, listedUnder?: string): Repository => {
    const repo = record(json, path);
    // With neither a workspace nor a list it came in, the slug check below refuses the repository.
    const workspace = repo.workspace === undefined ? { slug: listedUnder } : record(repo.workspace, path);
    const fullName = text(repo.full_name, path);
    const updatedOn = text(repo.updated_on, path);
    if (typeof repo.is_private !== 'boolean' || Number.isNaN(Date.parse(updatedOn))) bad(path);
    const links = repo.links === undefined ? {} : record(repo.links, path);
    const html = links.html === undefined ? {} : record(links.html, path);
    const slug = text(workspace.slug, path);
    return {
      name: text(repo.name, path),
      full_name: fullName,
      is_private: repo.is_private,
      language: optionalText(repo.language, path),
      // Only the start of a long description is shown or searched: keeping the rest would let a
      // hostile answer fill memory (100,000 repositories of 5 kB each).
      description: optionalText(repo.description, path).slice(0, DESCRIPTION_KEPT),
      updated_on: updatedOn,
      html_href: safeLink(html.href, linkProtocols),
      workspace: { slug, name: optionalText(workspace.name, path) || slug },
    };
  };
}

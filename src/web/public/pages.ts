// The community's public pages on the web listener: the front page (`/`),
// a page per post (`/posts/<room ID>/<event ID>`), a post's images as
// thumbnails (`…/image/<n>`), and the Atom feed (`/feed.atom`). Anything that
// is not a shown post of a public room falls through to the listener's 404,
// the same answer as for an address that never existed.
import type { NextFunction, Request, Response, Router } from 'express';
import type { PageKit, WebPages } from '../server.ts';
import { atomFeed, titleOf, xmlEscape } from './atom.ts';
import { imagesOf, viewOf, type PostView } from './post-view.ts';
import type { PublicPosts, ShownPost } from './public-posts.ts';
import type { PostReader } from './reader.ts';

export interface PublicPagesOptions {
  posts: Pick<PublicPosts, 'latest' | 'post' | 'publicRooms'>;
  reader: Pick<PostReader, 'thumbnail'>;
  /** web.public_base_url, without a trailing slash. */
  baseUrl: string;
  description: string;
  codeOfConductHtml: string | null;
  serverName: string;
  /** How many posts the front page and the feed show. */
  postCount: number;
}

/** The box a thumbnail fits in: wide enough for the page's column on a large screen. */
const THUMBNAIL = { width: 800, height: 600 };

function param(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}

function feedEntryHtml(view: PostView): string {
  const picture = view.image ? `<p><img src="${xmlEscape(view.image.url)}" alt="${xmlEscape(view.image.alt)}"></p>` : '';
  return `${picture}${view.html}`;
}

export function publicPages(o: PublicPagesOptions): WebPages {
  const feedUrl = `${o.baseUrl}/feed.atom`;
  const titleFor = (view: PostView): string => titleOf(view.text) || `A post by ${view.author}`;

  return (router: Router, kit: PageKit) => {
    router.get('/', async (_req: Request, res: Response) => {
      const posts = (await o.posts.latest(o.postCount)).map((post) => viewOf(post));
      // Only public rooms: anyone may join them, from any server, to read along in a Matrix app.
      const rooms = (await o.posts.publicRooms()).map((room) => ({
        name: room.name,
        link: `https://matrix.to/#/${encodeURIComponent(room.roomId)}?via=${encodeURIComponent(o.serverName)}`,
      }));
      kit.render(res, 'public/front', {
        title: 'Public posts, and how to join',
        feedUrl: '/feed.atom',
        description: o.description,
        serverName: o.serverName,
        cocHtml: o.codeOfConductHtml,
        posts,
        rooms,
      });
    });

    router.get('/feed.atom', async (_req: Request, res: Response) => {
      const posts = await o.posts.latest(o.postCount);
      const xml = atomFeed({
        title: kit.communityName,
        subtitle: o.description.trim() || `The public posts of ${kit.communityName}, a community on ${o.serverName}.`,
        homeUrl: `${o.baseUrl}/`,
        selfUrl: feedUrl,
        now: Date.now(),
        entries: posts.map((post) => {
          const view = viewOf(post, o.baseUrl);
          return { url: `${o.baseUrl}${view.path}`, title: titleFor(view), author: view.author, publishedAt: post.sentAt, updatedAt: post.updatedAt, html: feedEntryHtml(view) };
        }),
      });
      // Readers poll; a short cache spares the homeserver, and a post taken down is gone within the minute.
      res.status(200).type('application/atom+xml; charset=utf-8').set('cache-control', 'public, max-age=30').send(xml);
    });

    const withPost = async (req: Request, next: NextFunction, show: (post: ShownPost) => Promise<void> | void): Promise<void> => {
      const post = await o.posts.post(param(req, 'roomId'), param(req, 'eventId'));
      if (post === null) {
        next();
        return;
      }
      await show(post);
    };

    router.get('/posts/:roomId/:eventId', (req: Request, res: Response, next: NextFunction) => withPost(req, next, (post) => {
      const view = viewOf(post);
      kit.render(res, 'public/post', { title: `Post by ${view.author}`, feedUrl: '/feed.atom', post: view, permalink: `${o.baseUrl}${view.path}` });
    }));

    router.get('/posts/:roomId/:eventId/image/:index', (req: Request, res: Response, next: NextFunction) => withPost(req, next, async (post) => {
      const index = /^\d{1,3}$/.test(param(req, 'index')) ? Number(param(req, 'index')) : -1;
      const mxc = imagesOf(post)[index];
      const thumbnail = mxc === undefined ? null : await o.reader.thumbnail(mxc, THUMBNAIL.width, THUMBNAIL.height);
      if (thumbnail === null) {
        next();
        return;
      }
      res.status(200).type(thumbnail.contentType).set('cache-control', 'public, max-age=30').send(Buffer.from(thumbnail.bytes));
    }));
  };
}

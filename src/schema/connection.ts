import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { Max, Min } from 'class-validator';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field()
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 20, description: 'How many items to return, 0 to 100.' })
  @Min(0)
  @Max(100)
  first: number;

  @Field(() => String, { nullable: true, description: 'An `endCursor` from the previous page.' })
  after?: string;
}

export interface Page<T> {
  nodes: T[];
  /** The opaque cursor of the node at `index` (computed only for the edges a client reads). */
  cursorAt: (index: number) => string;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Runs the count query; called only when a client selects `totalCount`. */
  countTotal: () => Promise<number>;
}

export interface ConnectionShape<T> {
  edges: Array<{ node: T; cursor: string }>;
  nodes: T[];
  pageInfo: PageInfo;
  countTotal: () => Promise<number>;
}

/** Builds `<Node>Connection` and `<Node>Edge` object types for a node type. */
export function Connection<T extends object>(nodeType: ClassType<T>, name: string = nodeType.name) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => nodeType)
    node: T;

    @Field()
    cursor: string;
  }

  @ObjectType(`${name}ConnectionBase`)
  abstract class ConnectionType implements ConnectionShape<T> {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => [nodeType])
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    countTotal: () => Promise<number>;

    @Field(() => Int, { description: 'Items matching the filter across all pages; counted only when asked for.' })
    totalCount(): Promise<number> {
      return this.countTotal();
    }
  }
  return ConnectionType;
}

/** Turns a service's page into a connection object of the given type. */
export function toConnection<T, C extends ConnectionShape<T>>(type: new () => C, page: Page<T>): C {
  const connection = new type();
  connection.nodes = page.nodes;
  let edges: ConnectionShape<T>['edges'] | undefined;
  // Edges and their cursors are built only when a client selects `edges`.
  Object.defineProperty(connection, 'edges', {
    get: () => (edges ??= page.nodes.map((node, index) => ({ node, cursor: page.cursorAt(index) }))),
  });
  connection.pageInfo = {
    hasNextPage: page.hasNextPage,
    hasPreviousPage: page.hasPreviousPage,
    startCursor: page.nodes.length > 0 ? page.cursorAt(0) : null,
    endCursor: page.nodes.length > 0 ? page.cursorAt(page.nodes.length - 1) : null,
  };
  connection.countTotal = page.countTotal;
  return connection;
}
